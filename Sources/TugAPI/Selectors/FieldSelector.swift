import Foundation

extension Fields {
    /// A parsed field selector: all requirements must hold. The server decides which fields a
    /// resource supports (`unsupportedField(supported:)`) and what each one reads from an object.
    public struct Selector: Sendable, Hashable, CustomStringConvertible {
        /// In the order Kubernetes keeps them: terms sorted as written.
        public private(set) var requirements: [Requirement]

        public static let everything = Selector([])

        public init(_ requirements: [Requirement]) { self.requirements = requirements }

        /// Exactly these field values (`SelectorFromSet`), sorted by field.
        public init(matching fields: [String: String]) {
            self.init(fields.keys.sorted(by: Labels.goLess).map { Requirement(field: $0, operator: .equals, value: fields[$0] ?? "") })
        }

        /// Parses `a=b,c!=d,e==f` as Kubernetes' `fields.ParseSelector`: terms split on unescaped
        /// commas and sorted, each split at its first `!=`, `==` or `=`, values unescaped.
        public init(parsing selector: String) throws(SelectorError) {
            var requirements: [Requirement] = []
            for term in Selector.splitTerms(selector).sorted(by: Labels.goLess) where !term.isEmpty {
                guard let (field, op, rawValue) = Selector.splitTerm(term) else {
                    throw SelectorError("invalid selector: '\(selector)'; can't understand '\(term)'")
                }
                requirements.append(Requirement(field: field, operator: op, value: try Fields.unescape(rawValue)))
            }
            self.init(requirements)
        }

        public var isEmpty: Bool { requirements.isEmpty }

        /// Every field the selector reads, in order, without duplicates.
        public var fields: [String] {
            var seen = Set<String>()
            return requirements.map(\.field).filter { seen.insert($0).inserted }
        }

        /// Matches against the object's selectable fields; a missing field reads as "".
        public func matches(fields: [String: String]) -> Bool {
            for r in requirements where !r.matches(fields[r.field]) { return false }
            return true
        }

        /// Matches reading each field through `value(field)`, so a caller need not build a
        /// dictionary of every selectable field for every object.
        public func matches(_ value: (String) -> String?) -> Bool {
            for r in requirements where !r.matches(value(r.field)) { return false }
            return true
        }

        /// The value an `=` term demands for `field`, if any (lets a cache index by field).
        public func requiresExactMatch(_ field: String) -> String? {
            requirements.first { $0.field == field && $0.operator == .equals }?.value
        }

        /// The first field not in `supported`, or nil when all are.
        public func unsupportedField(supported: Set<String>) -> String? {
            requirements.first { !supported.contains($0.field) }?.field
        }

        /// Throws `field label not supported: <field>` (the text of Kubernetes' `400 BadRequest`
        /// for built-in kinds) when a field is not in `supported`.
        public func validate(supported: Set<String>) throws(SelectorError) {
            if let field = unsupportedField(supported: supported) {
                throw SelectorError("field label not supported: \(field)")
            }
        }

        /// Rewrites every term (Kubernetes' `Transform`, used for field label conversion); a term
        /// turned into an empty field and value is dropped.
        public func transformed(_ transform: (Requirement) throws -> Requirement) rethrows -> Selector {
            var out: [Requirement] = []
            for r in requirements {
                let t = try transform(r)
                if !(t.field.isEmpty && t.value.isEmpty) { out.append(t) }
            }
            return Selector(out)
        }

        /// Terms joined by `,`, values escaped (`=` for both `=` and `==`).
        public var description: String { requirements.map(\.description).joined(separator: ",") }

        // MARK: splitting

        /// Splits on commas not preceded by a backslash escape; escapes stay in the terms.
        static func splitTerms(_ selector: String) -> [String] {
            if selector.isEmpty { return [] }
            var terms: [String] = []
            var current = ""
            var inSlash = false
            for c in selector.unicodeScalars {
                if inSlash {
                    inSlash = false
                } else if c == "\\" {
                    inSlash = true
                } else if c == "," {
                    terms.append(current)
                    current = ""
                    continue
                }
                current.unicodeScalars.append(c)
            }
            terms.append(current)
            return terms
        }

        /// The field before the first `!=`, `==` or `=` (no escaping on the left), the operator,
        /// and the raw value after it.
        static func splitTerm(_ term: String) -> (String, Operator, String)? {
            let bytes = Array(term.utf8)
            for i in bytes.indices {
                let c = bytes[i]
                let next: UInt8? = i + 1 < bytes.count ? bytes[i + 1] : nil
                let (op, width): (Operator, Int)
                if c == UInt8(ascii: "!") && next == UInt8(ascii: "=") {
                    (op, width) = (.notEquals, 2)
                } else if c == UInt8(ascii: "=") && next == UInt8(ascii: "=") {
                    (op, width) = (.equals, 2)
                } else if c == UInt8(ascii: "=") {
                    (op, width) = (.equals, 1)
                } else {
                    continue
                }
                let field = String(decoding: bytes[..<i], as: UTF8.self)
                let value = String(decoding: bytes[(i + width)...], as: UTF8.self)
                return (field, op, value)
            }
            return nil
        }
    }
}
