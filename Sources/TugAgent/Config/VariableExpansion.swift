import TugRuntime

/// Kubernetes' `$(VAR)` expansion (the forked Go `expansion` package), used for env values,
/// `command`/`args` and `subPathExpr`: `$(NAME)` is replaced by NAME's value, `$$` is an escaped
/// `$`, a reference to an unknown name or an unterminated `$(` stays as written, and any other
/// `$x` is kept unchanged. Expansion is single-pass: replaced values are never expanded again.
public enum VariableExpansion {
    private static let dollar = UInt8(ascii: "$")
    private static let open = UInt8(ascii: "(")
    private static let close = UInt8(ascii: ")")

    /// Expands `input`; `lookup` answers nil for an unknown name, which then stays `$(NAME)`.
    public static func expand(_ input: String, lookup: (String) -> String?) -> String {
        let bytes = Array(input.utf8)
        var out: [UInt8] = []
        out.reserveCapacity(bytes.count)
        var checkpoint = 0
        var cursor = 0
        while cursor < bytes.count {
            if bytes[cursor] == dollar && cursor + 1 < bytes.count {
                out += bytes[checkpoint..<cursor]
                let next = cursor + 1
                switch bytes[next] {
                case dollar:
                    // `$$`: an escaped operator.
                    out.append(dollar)
                case open:
                    if let end = bytes[(next + 1)...].firstIndex(of: close) {
                        let name = String(decoding: bytes[(next + 1)..<end], as: UTF8.self)
                        if let value = lookup(name) {
                            out += value.utf8
                        } else {
                            out += Array("$(\(name))".utf8)
                        }
                        cursor = end
                        checkpoint = cursor + 1
                        cursor += 1
                        continue
                    }
                    // Unterminated reference: keep `$(` and go on after it.
                    out += [dollar, open]
                default:
                    // An operator that starts no expression: kept with the byte after it.
                    out += [dollar, bytes[next]]
                }
                cursor = next
                checkpoint = cursor + 1
            }
            cursor += 1
        }
        out += bytes[min(checkpoint, bytes.count)...]
        return String(decoding: out, as: UTF8.self)
    }

    /// Expands against a list of variables; the last definition of a name wins.
    public static func expand(_ input: String, against env: [TugRuntime.EnvVar]) -> String {
        let map = variableMap(env)
        return expand(input) { map[$0] }
    }

    static func variableMap(_ env: [TugRuntime.EnvVar]) -> [String: String] {
        var map: [String: String] = [:]
        for v in env { map[v.name] = v.value }
        return map
    }
}
