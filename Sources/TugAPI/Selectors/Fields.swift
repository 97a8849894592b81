import Foundation

/// Field selection, as Kubernetes' `k8s.io/apimachinery/pkg/fields`:
/// `fieldSelector=metadata.name=x,status.phase!=Running`.
public enum Fields {
    public enum Operator: String, Sendable, Hashable {
        case equals = "="
        case notEquals = "!="
    }

    /// One `field=value` or `field!=value` term (`==` parses as `=`).
    public struct Requirement: Sendable, Hashable, CustomStringConvertible {
        public var field: String
        public var `operator`: Operator
        public var value: String

        public init(field: String, operator op: Operator, value: String) {
            self.field = field
            self.operator = op
            self.value = value
        }

        /// A missing field reads as "" (so `spec.nodeName=` selects unscheduled pods).
        public func matches(_ value: String?) -> Bool {
            let v = value ?? ""
            return self.operator == .equals ? v == self.value : v != self.value
        }

        /// `field=value` with the value escaped.
        public var description: String { field + self.operator.rawValue + Fields.escape(value) }
    }

    /// A selector that does not parse; `message` is Kubernetes' exact text.
    public struct SelectorError: Error, Sendable, Hashable, CustomStringConvertible {
        public var message: String
        public init(_ message: String) { self.message = message }
        public var description: String { message }
    }

    // MARK: escaping (`\\`, `\,`, `\=`)

    /// Escapes `\`, `,` and `=` so that any value can sit in a selector (`EscapeValue`).
    public static func escape(_ value: String) -> String {
        guard value.utf8.contains(where: { $0 == UInt8(ascii: "\\") || $0 == UInt8(ascii: ",") || $0 == UInt8(ascii: "=") })
        else { return value }
        var out = ""
        for c in value.unicodeScalars {
            if c == "\\" || c == "," || c == "=" { out.unicodeScalars.append("\\") }
            out.unicodeScalars.append(c)
        }
        return out
    }

    /// Undoes `escape`, refusing unknown escapes and bare `,` or `=` (`UnescapeValue`).
    public static func unescape(_ value: String) throws(SelectorError) -> String {
        guard value.utf8.contains(where: { $0 == UInt8(ascii: "\\") || $0 == UInt8(ascii: ",") || $0 == UInt8(ascii: "=") })
        else { return value }
        var out = ""
        var inSlash = false
        for c in value.unicodeScalars {
            if inSlash {
                guard c == "\\" || c == "," || c == "=" else {
                    throw SelectorError("invalid field selector: invalid escape sequence: \\" + String(c))
                }
                out.unicodeScalars.append(c)
                inSlash = false
            } else if c == "\\" {
                inSlash = true
            } else if c == "," || c == "=" {
                // Kubernetes prints the rune as a number here (`%v` of a rune).
                throw SelectorError("invalid field selector: unescaped character in value: \(c.value)")
            } else {
                out.unicodeScalars.append(c)
            }
        }
        if inSlash { throw SelectorError("invalid field selector: invalid escape sequence: \\") }
        return out
    }
}
