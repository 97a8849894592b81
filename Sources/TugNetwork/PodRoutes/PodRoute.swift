import TugAPI

/// The route to one other node's pods: its pod CIDR through its node address, either directly
/// (the node is on a shared link) or inside VXLAN to it.
public struct PodRoute: Sendable, Hashable, CustomStringConvertible {
    public enum Path: String, Sendable, Hashable { case direct = "host-gw", vxlan }

    public var nodeName: String
    public var podCIDR: IPv4Network
    public var nodeIP: ProxyIPv4
    public var path: Path

    public init(nodeName: String, podCIDR: IPv4Network, nodeIP: ProxyIPv4, path: Path) {
        self.nodeName = nodeName
        self.podCIDR = podCIDR
        self.nodeIP = nodeIP
        self.path = path
    }

    /// The next hop inside the VXLAN: the other node's VXLAN device holds its pod CIDR's network
    /// address, so the neighbour entry for it names that node's VXLAN MAC.
    public var vxlanGateway: ProxyIPv4 { ProxyIPv4(podCIDR.address) }

    public var description: String { "\(podCIDR) via \(nodeIP) (\(path.rawValue), node \(nodeName))" }
}

/// Another node as the routes need it: name, address and pod CIDR.
public struct PodNetworkPeer: Sendable, Hashable {
    public var nodeName: String
    public var nodeIP: ProxyIPv4
    public var podCIDR: IPv4Network

    public init(nodeName: String, nodeIP: ProxyIPv4, podCIDR: IPv4Network) {
        self.nodeName = nodeName
        self.nodeIP = nodeIP
        self.podCIDR = podCIDR
    }

    /// The peer a Node stands for: its InternalIP (else ExternalIP) and its first IPv4 pod CIDR,
    /// or nil while it lacks either.
    public init?(node: CoreV1.Node) {
        guard let name = node.metadata.name else { return nil }
        let addresses = node.status?.addresses ?? []
        let ip = ["InternalIP", "ExternalIP"].lazy.compactMap { type in
            addresses.lazy.filter { $0.type == type }.compactMap { ProxyIPv4($0.address ?? "") }.first
        }.first
        let cidrs = (node.spec?.podCIDRs ?? []) + [node.spec?.podCIDR].compactMap { $0 }
        guard let ip, let cidr = cidrs.lazy.compactMap(IPv4Network.init).first else { return nil }
        self.init(nodeName: name, nodeIP: ip, podCIDR: cidr)
    }
}
