import Foundation

/// Label selection, as Kubernetes' `k8s.io/apimachinery/pkg/labels`: `Labels.Selector` is the
/// parsed form of `a=b,c in (x,y),!d` and of an API `LabelSelector`, matched against every
/// object on lists and watches. (`LabelSelector` itself names the API type.)
public enum Labels {
    /// `selection.Operator`; the raw values are Kubernetes' own spellings.
    public enum Operator: String, Sendable, Hashable, CaseIterable {
        case doesNotExist = "!"
        case equals = "="
        case doubleEquals = "=="
        case `in` = "in"
        case notEquals = "!="
        case notIn = "notin"
        case exists = "exists"
        case greaterThan = "gt"
        case lessThan = "lt"

        /// The binary operators, in the order Kubernetes lists them in parse errors.
        static let binary: [Operator] = [.in, .notIn, .equals, .doubleEquals, .notEquals, .greaterThan, .lessThan]
    }

    /// A selector that does not parse or a requirement that is not valid. `message` is
    /// Kubernetes' exact text (what a `400 BadRequest` carries); `fieldErrors` are the causes
    /// when the problem is an invalid requirement.
    public struct SelectorError: Error, Sendable, Hashable, CustomStringConvertible {
        public var message: String
        public var fieldErrors: [FieldError]

        public init(_ message: String, fieldErrors: [FieldError] = []) {
            self.message = message
            self.fieldErrors = fieldErrors
        }

        /// Several field errors as one, the way Kubernetes' aggregate error prints them: one
        /// alone, else `[first, second]` with duplicates dropped.
        init(aggregating errors: [FieldError]) {
            var seen = Set<String>()
            let messages = errors.map(\.description).filter { seen.insert($0).inserted }
            self.init(messages.count == 1 ? messages[0] : "[" + messages.joined(separator: ", ") + "]", fieldErrors: errors)
        }

        public var description: String { message }
    }

    /// A label map as kubectl prints it (`FormatLabels`): `a=1,b=2` sorted by key, `<none>`
    /// when there are none.
    public static func format(_ labels: [String: String]?) -> String {
        guard let labels, !labels.isEmpty else { return "<none>" }
        return labels.keys.sorted(by: goLess).map { "\($0)=\(labels[$0] ?? "")" }.joined(separator: ",")
    }

    /// Byte-wise string order, as Go's `sort.Strings` (Swift's `<` orders by Unicode rules).
    static func goLess(_ a: String, _ b: String) -> Bool {
        a.utf8.lexicographicallyPrecedes(b.utf8)
    }
}
