import TugAPI

/// Kubelet's `$(VAR)` expansion for exec probe commands, which see only the container's env
/// vars with a literal `value` (`ExpandContainerCommandOnlyStatic`); the expansion rules are
/// the shared `VariableExpansion`'s.
public enum StaticEnvExpansion {
    public static func expand(_ command: [String], env: [CoreV1.EnvVar]?) -> [String] {
        var values: [String: String] = [:]
        for variable in env ?? [] where variable.valueFrom == nil {
            if let name = variable.name { values[name] = variable.value ?? "" }
        }
        return command.map { VariableExpansion.expand($0) { values[$0] } }
    }
}
