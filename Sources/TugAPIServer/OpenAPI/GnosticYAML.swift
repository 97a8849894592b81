import Foundation
import TugAPI

/// The YAML text gnostic's `Any` carries for a vendor extension, a default, an enum value or an
/// example (`Any.yaml`; readers such as kube-openapi `yaml.Unmarshal` it). Written in YAML's flow
/// style, which for JSON values is JSON with a space after every `:` and `,`: that is valid YAML
/// 1.1 and 1.2 alike, needs no plain-scalar quoting rules, and every string stays double-quoted
/// (so `""`, `"true"` or `"1"` keep their type). Keys are sorted, so equal values give equal text.
enum GnosticYAML {
    static func text(_ value: JSONValue) -> String {
        var out = ""
        write(value, into: &out)
        out += "\n"
        return out
    }

    private static func write(_ value: JSONValue, into out: inout String) {
        switch value {
        case .null: out += "null"
        case .bool(let b): out += b ? "true" : "false"
        case .int(let i): out += String(i)
        case .double(let d): out += number(d)
        case .string(let s): quote(s, into: &out)
        case .array(let items):
            out += "["
            for (i, item) in items.enumerated() {
                if i > 0 { out += ", " }
                write(item, into: &out)
            }
            out += "]"
        case .object(let members):
            out += "{"
            for (i, key) in members.keys.sorted().enumerated() {
                if i > 0 { out += ", " }
                quote(key, into: &out)
                out += ": "
                write(members[key]!, into: &out)
            }
            out += "}"
        }
    }

    /// A double as YAML reads it back, still a float: Swift's shortest round-tripping form
    /// (`2.0`, `0.5`), with a fraction before any exponent as YAML 1.1's float form wants
    /// (`1.0e-05`, `1.0e+20`); JSON has no NaN or infinities, `.nan` and `.inf` are YAML's
    /// spellings should one appear.
    private static func number(_ d: Double) -> String {
        if d.isNaN { return ".nan" }
        if d.isInfinite { return d < 0 ? "-.inf" : ".inf" }
        let text = "\(d)"
        if !text.contains("."), let e = text.firstIndex(of: "e") { return text[..<e] + ".0" + text[e...] }
        return text
    }

    /// A double-quoted YAML scalar. Only YAML's own escapes are used (`\/`, which JSON allows,
    /// is YAML 1.2 only); characters outside YAML's printable set are written as `\uXXXX`.
    private static func quote(_ s: String, into out: inout String) {
        out += "\""
        for scalar in s.unicodeScalars {
            switch scalar {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\t": out += "\\t"
            case "\r": out += "\\r"
            default:
                let v = scalar.value
                let printable = (0x20...0x7e).contains(v) || (0xa0...0xd7ff).contains(v)
                    || ((0xe000...0xfffd).contains(v) && v != 0xfeff) || v >= 0x10000
                if printable {
                    out.unicodeScalars.append(scalar)
                } else {
                    let hex = String(v, radix: 16, uppercase: true)
                    out += "\\u" + String(repeating: "0", count: max(0, 4 - hex.count)) + hex
                }
            }
        }
        out += "\""
    }
}
