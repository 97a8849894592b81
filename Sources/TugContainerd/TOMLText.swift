/// The few TOML spellings the generated files need (basic strings, string arrays, table
/// headers with quoted keys), kept in one place so every value is escaped the same way.
enum TOMLText {
    /// A TOML basic string: quotes, backslashes and control characters escaped.
    static func string(_ value: String) -> String {
        var out = "\""
        for scalar in value.unicodeScalars {
            switch scalar {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\t": out += "\\t"
            case "\r": out += "\\r"
            default:
                if scalar.value < 0x20 || scalar.value == 0x7F {
                    out += "\\u" + fourHexDigits(scalar.value)
                } else {
                    out.unicodeScalars.append(scalar)
                }
            }
        }
        return out + "\""
    }

    /// Four lowercase hex digits, zero padded (for `\uXXXX` escapes).
    static func fourHexDigits(_ value: UInt32) -> String {
        let digits = String(value, radix: 16)
        return String(repeating: "0", count: max(0, 4 - digits.count)) + digits
    }

    static func array(_ values: [String]) -> String {
        "[" + values.map(string).joined(separator: ", ") + "]"
    }

    /// `[a."b.c".d]` — each path segment quoted when it is not a bare key.
    static func table(_ path: [String]) -> String {
        "[" + path.map(key).joined(separator: ".") + "]"
    }

    static func key(_ name: String) -> String {
        let bare = !name.isEmpty && name.unicodeScalars.allSatisfy {
            ("a"..."z").contains($0) || ("A"..."Z").contains($0) || ("0"..."9").contains($0) || $0 == "_" || $0 == "-"
        }
        return bare ? name : string(name)
    }
}
