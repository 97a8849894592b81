import TugAPI

/// Turns a probe's or hook's `port` (a number or the name of a container port) into a number,
/// with kubelet's two slightly different rules and its error texts.
public enum ContainerPortResolver {
    public struct ResolutionError: Error, Sendable, Hashable, CustomStringConvertible {
        public var description: String
    }

    /// Probes (`probe.ResolveContainerPort`): a name is looked up among the container's ports
    /// first, then tried as a number; the result must be in 1...65535.
    public static func probePort(_ port: IntOrString?, container: CoreV1.Container) throws(ResolutionError) -> Int {
        guard let port else { throw ResolutionError(description: "invalid port number: 0") }
        let number: Int
        switch port {
        case .int(let i):
            number = i
        case .string(let name):
            if let named = container.ports?.first(where: { $0.name == name }) {
                number = named.containerPort ?? 0
            } else if let parsed = Int(name) {
                number = parsed
            } else {
                throw ResolutionError(description: "strconv.Atoi: parsing \(GoQuoting.quote(name)): invalid syntax")
            }
        }
        guard number > 0 && number < 65536 else { throw ResolutionError(description: "invalid port number: \(number)") }
        return number
    }

    /// Lifecycle hooks (`lifecycle.resolvePort`): a string is tried as a number first, then
    /// looked up by name; no range check.
    public static func hookPort(_ port: IntOrString?, container: CoreV1.Container) throws(ResolutionError) -> Int {
        switch port {
        case .int(let i):
            return i
        case .string(let name):
            if let parsed = Int(name) { return parsed }
            if let named = container.ports?.first(where: { $0.name == name }) { return named.containerPort ?? 0 }
            throw ResolutionError(description: "couldn't find port: \(name) in container \(container.name ?? "")")
        case nil:
            throw ResolutionError(description: "couldn't find port: <nil> in container \(container.name ?? "")")
        }
    }
}

/// `host:port`, with brackets around IPv6 literals (Go's `net.JoinHostPort`).
func joinHostPort(_ host: String, _ port: Int) -> String {
    host.contains(":") ? "[\(host)]:\(port)" : "\(host):\(port)"
}
