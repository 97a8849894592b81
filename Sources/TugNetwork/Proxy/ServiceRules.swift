/// The verdict maps of the table. Per-service state lives in their elements and in the
/// service's own chains; the base chains only look keys up.
public enum ProxyMap: String, Sendable, Hashable, CaseIterable {
    /// `ip . proto . port : verdict` for ClusterIPs, externalIPs and load-balancer IPs.
    case serviceIPs = "service-ips"
    /// `proto . port : verdict` for NodePorts on the node's addresses.
    case serviceNodePorts = "service-nodeports"
    /// `ip . proto . port : verdict` rejecting (or dropping) traffic to services with no endpoints.
    case noEndpointServices = "no-endpoint-services"
    /// `proto . port : verdict`, the same for NodePorts.
    case noEndpointNodePorts = "no-endpoint-nodeports"
    /// `ip . proto . port : verdict` sending new connections to a load-balancer IP through the
    /// Service's `loadBalancerSourceRanges` check before DNAT.
    case firewallIPs = "firewall-ips"

    var keyType: String {
        switch self {
        case .serviceIPs, .noEndpointServices, .firewallIPs: "ipv4_addr . inet_proto . inet_service"
        case .serviceNodePorts, .noEndpointNodePorts: "inet_proto . inet_service"
        }
    }

    /// Maps sharing a key space: one key is owned by one service across both.
    var keySpace: Int {
        switch self {
        case .serviceIPs, .noEndpointServices: 0
        case .serviceNodePorts, .noEndpointNodePorts: 1
        case .firewallIPs: 2
        }
    }
}

/// Everything one Service puts into the table: its chains (with their rules, in order), its
/// session-affinity sets and its map elements. Deterministic names make two of these comparable,
/// which is what incremental updates diff.
public struct ServiceRules: Sendable, Hashable {
    /// Chain name -> rule bodies, in order.
    public var chains: [String: [String]] = [:]
    /// Set name -> timeout in seconds.
    public var affinitySets: [String: Int] = [:]
    /// Map -> element key -> verdict.
    public var elements: [ProxyMap: [String: String]] = [:]

    public init() {}

    public var isEmpty: Bool { chains.isEmpty && affinitySets.isEmpty && elements.values.allSatisfy(\.isEmpty) }

    mutating func merge(_ other: ServiceRules) {
        chains.merge(other.chains) { a, _ in a }
        affinitySets.merge(other.affinitySets) { a, _ in a }
        for (map, elems) in other.elements { elements[map, default: [:]].merge(elems) { a, _ in a } }
    }
}
