/// How a node reaches the pod CIDRs of the other nodes.
public enum PodNetworkBackend: String, Sendable, Hashable, CaseIterable {
    /// A plain route via the other node (host-gw) when it is on a link this node shares,
    /// VXLAN when the path to it goes through a router.
    case auto
    /// Always a plain route via the other node: every node must share one link.
    case hostGW = "host-gw"
    /// Always VXLAN: works across routers, costs 50 bytes per packet.
    case vxlan
}
