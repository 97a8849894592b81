import TugAPI

/// Kubernetes' `NodePorts` filter: the pod's host ports must be free on the node. A port bound
/// on 0.0.0.0 conflicts with the same protocol and port on any IP, and the other way round.
public struct NodePortsPlugin: PreFilterPlugin, FilterPlugin {
    public let name = "NodePorts"
    public static let reason = "node(s) didn't have free ports for the requested pod ports"

    public init() {}

    /// A pod without host ports has nothing to check on any node (Kubernetes' PreFilter skips too).
    public func preFilter(_ pod: CoreV1.Pod, nodes: [NodeInfo], state: CycleState) -> PluginStatus {
        Self.wanted(pod).isEmpty ? .skip : .success
    }

    /// Kubernetes checks only the app containers' ports of the incoming pod.
    static func wanted(_ pod: CoreV1.Pod) -> [HostPort] {
        (pod.spec?.containers ?? []).flatMap { ($0.ports ?? []).compactMap(HostPort.init) }
    }

    public func filter(_ pod: CoreV1.Pod, _ node: NodeInfo, _ state: CycleState) -> PluginStatus {
        let wanted = Self.wanted(pod)
        if wanted.isEmpty || node.usedPorts.isEmpty { return .success }
        let used = node.usedPorts.compactMap(HostPort.init(key:))
        for w in wanted where used.contains(where: w.conflicts) { return .unschedulable(Self.reason) }
        return .success
    }

    /// One protocol/IP/port triple, sanitized as Kubernetes does (empty IP is 0.0.0.0, empty
    /// protocol TCP).
    struct HostPort {
        static let anyIP = "0.0.0.0"
        var proto: String
        var ip: String
        var port: Int

        init?(_ p: CoreV1.ContainerPort) {
            guard let hp = p.hostPort, hp > 0 else { return nil }
            proto = (p.protocol ?? "").isEmpty ? "TCP" : p.protocol!
            ip = (p.hostIP ?? "").isEmpty ? Self.anyIP : p.hostIP!
            port = hp
        }

        /// Parses NodeInfo's "PROTO/IP/PORT" (the IP may be IPv6, which has no "/").
        init?(key: String) {
            let parts = key.split(separator: "/", omittingEmptySubsequences: false)
            guard parts.count >= 3, let n = Int(parts[parts.count - 1]) else { return nil }
            proto = parts[0].isEmpty ? "TCP" : String(parts[0])
            let joined = parts[1..<(parts.count - 1)].joined(separator: "/")
            ip = joined.isEmpty ? Self.anyIP : joined
            port = n
        }

        func conflicts(_ other: HostPort) -> Bool {
            proto == other.proto && port == other.port
                && (ip == Self.anyIP || other.ip == Self.anyIP || ip == other.ip)
        }
    }
}
