import TugAPI
import TugRuntime

/// A container's `command` and `args` with `$(VAR)` references expanded against its final
/// environment (kubelet's `ExpandContainerCommandAndArgs`); unknown references stay as written.
public struct ContainerCommandLine: Sendable, Hashable {
    public var command: [String]
    public var args: [String]

    public init(command: [String], args: [String]) {
        self.command = command
        self.args = args
    }

    public init(container: CoreV1.Container, env: [TugRuntime.EnvVar]) {
        let map = VariableExpansion.variableMap(env)
        let lookup: (String) -> String? = { map[$0] }
        command = (container.command ?? []).map { VariableExpansion.expand($0, lookup: lookup) }
        args = (container.args ?? []).map { VariableExpansion.expand($0, lookup: lookup) }
    }
}
