import TugAPI

/// Kubelet's `$(VAR)` expansion for exec probe commands, which see only the container's env
/// vars with a literal `value` (`ExpandContainerCommandOnlyStatic`): `$(NAME)` becomes the
/// value, `$$` becomes `$`, and a reference to an unknown or non-literal variable is left as is.
public enum StaticEnvExpansion {
    public static func expand(_ command: [String], env: [CoreV1.EnvVar]?) -> [String] {
        var values: [String: String] = [:]
        for variable in env ?? [] where variable.valueFrom == nil {
            if let name = variable.name { values[name] = variable.value ?? "" }
        }
        return command.map { expand($0, values: values) }
    }

    static func expand(_ input: String, values: [String: String]) -> String {
        let chars = Array(input.unicodeScalars)
        var out = String.UnicodeScalarView()
        var i = 0
        while i < chars.count {
            guard chars[i] == "$", i + 1 < chars.count else {
                out.append(chars[i])
                i += 1
                continue
            }
            let next = chars[i + 1]
            if next == "$" {
                out.append("$")
                i += 2
            } else if next == "(" {
                if let close = chars[(i + 2)...].firstIndex(of: ")") {
                    let name = String(String.UnicodeScalarView(chars[(i + 2)..<close]))
                    out.append(contentsOf: (values[name] ?? "$(\(name))").unicodeScalars)
                    i = close + 1
                } else {
                    out.append(contentsOf: "$(".unicodeScalars)
                    i += 2
                }
            } else {
                out.append("$")
                out.append(next)
                i += 2
            }
        }
        return String(out)
    }
}
