import Foundation
import TugAPI

/// Comparisons and renderings the patch engines need beyond `JSONValue`'s own.
extension JSONValue {
    /// The JSON kinds the merge engines tell apart (all numbers are one kind).
    enum Kind: Equatable {
        case null, bool, number, string, array, object
    }

    var kind: Kind {
        switch self {
        case .null: return .null
        case .bool: return .bool
        case .int, .double: return .number
        case .string: return .string
        case .array: return .array
        case .object: return .object
        }
    }

    /// Equality where `1` and `1.0` are the same number, as they are once JSON is parsed.
    func patchEquals(_ other: JSONValue) -> Bool {
        switch (self, other) {
        case (.int(let a), .double(let b)), (.double(let b), .int(let a)): return Double(a) == b
        case (.array(let a), .array(let b)):
            return a.count == b.count && zip(a, b).allSatisfy { $0.patchEquals($1) }
        case (.object(let a), .object(let b)):
            guard a.count == b.count else { return false }
            for (k, v) in a {
                guard let w = b[k], v.patchEquals(w) else { return false }
            }
            return true
        default: return self == other
        }
    }

    /// Integral doubles become ints, recursively, so hashing agrees with `patchEquals`.
    var normalizedNumbers: JSONValue {
        switch self {
        case .double(let d) where d == d.rounded() && abs(d) < 9.2e18: return .int(Int64(d))
        case .array(let a): return .array(a.map(\.normalizedNumbers))
        case .object(let o): return .object(o.mapValues(\.normalizedNumbers))
        default: return self
        }
    }

    /// The value as Go's `%v` prints a decoded JSON value (`map[image:nginx name:web]`), which is
    /// how Kubernetes' patch errors show the offending piece of a patch.
    var goDescription: String {
        switch self {
        case .null: return "<nil>"
        case .bool(let b): return b ? "true" : "false"
        case .int(let i): return String(i)
        case .double(let d): return d == d.rounded() && abs(d) < 1e21 ? String(Int64(d)) : String(d)
        case .string(let s): return s
        case .array(let a): return "[" + a.map(\.goDescription).joined(separator: " ") + "]"
        case .object(let o):
            return "map[" + o.keys.sorted().map { "\($0):\(o[$0]!.goDescription)" }.joined(separator: " ") + "]"
        }
    }

    /// The Go type name `encoding/json` reports for this value (`object`, `array`, `string`...).
    var goJSONTypeName: String {
        switch self {
        case .null: return "null"
        case .bool: return "bool"
        case .int, .double: return "number"
        case .string: return "string"
        case .array: return "array"
        case .object: return "object"
        }
    }

    /// Compact JSON as Go's `encoding/json` writes it: sorted keys, `<`, `>` and `&` escaped.
    /// Field sets embed values this way in their keys (`k:{"name":"web"}`, `v:"x"`).
    var goJSON: String {
        switch self {
        case .null: return "null"
        case .bool(let b): return b ? "true" : "false"
        case .int(let i): return String(i)
        case .double(let d):
            if d == d.rounded() && abs(d) < 1e21 { return String(Int64(d)) }
            return String(d)
        case .string(let s): return JSONValue.goQuoted(s)
        case .array(let a): return "[" + a.map(\.goJSON).joined(separator: ",") + "]"
        case .object(let o):
            return "{" + o.keys.sorted().map { JSONValue.goQuoted($0) + ":" + o[$0]!.goJSON }.joined(separator: ",") + "}"
        }
    }

    static func goQuoted(_ s: String) -> String {
        var out = "\""
        for u in s.unicodeScalars {
            switch u {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            case "<", ">", "&", "\u{2028}", "\u{2029}":
                out += String(format: "\\u%04x", u.value)
            default:
                if u.value < 0x20 { out += String(format: "\\u%04x", u.value) } else { out.unicodeScalars.append(u) }
            }
        }
        return out + "\""
    }
}
