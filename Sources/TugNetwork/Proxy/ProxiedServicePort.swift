import TugAPI

/// Transport protocols the proxy forwards (nft's `meta l4proto` names).
public enum ProxyProtocol: String, Sendable, Hashable, CaseIterable {
    case tcp, udp, sctp

    init?(serviceProtocol: String?) {
        switch (serviceProtocol ?? "TCP").uppercased() {
        case "TCP": self = .tcp
        case "UDP": self = .udp
        case "SCTP": self = .sctp
        default: return nil
        }
    }
}

/// One port of one Service, reduced to what the rules depend on. A Service with three ports
/// is three of these; each gets its own chains, as in kube-proxy.
public struct ProxiedServicePort: Sendable, Hashable {
    /// `namespace/name` of the Service.
    public var serviceKey: String
    /// The port's name ("" for a Service's single unnamed port); EndpointSlice ports match on it.
    public var portName: String
    public var proto: ProxyProtocol
    public var port: Int
    public var clusterIP: ProxyIPv4
    public var nodePort: Int?
    public var externalIPs: [ProxyIPv4]
    public var loadBalancerIPs: [ProxyIPv4]
    /// `loadBalancerSourceRanges`: who may reach the load-balancer IPs (empty: everyone).
    public var loadBalancerSourceRanges: [ProxyIPv4CIDR] = []
    /// `externalTrafficPolicy: Local` on an externally reachable Service.
    public var externalPolicyLocal: Bool
    /// `internalTrafficPolicy: Local`.
    public var internalPolicyLocal: Bool
    /// `sessionAffinity: ClientIP`: how long a client sticks to its endpoint.
    public var affinityTimeoutSeconds: Int?

    /// `namespace/name/protocol/port-name`: what the chain names are built from.
    public var id: String { "\(serviceKey)/\(proto.rawValue)/\(portName.isEmpty ? "port-\(port)" : portName)" }

    /// Reached through something other than its ClusterIP.
    public var externallyAccessible: Bool { nodePort != nil || !externalIPs.isEmpty || !loadBalancerIPs.isEmpty }
    /// Some traffic is spread over every endpoint in the cluster.
    var usesClusterEndpoints: Bool { !internalPolicyLocal || (externallyAccessible && !externalPolicyLocal) }
    /// Some traffic goes only to endpoints on this node.
    var usesLocalEndpoints: Bool { internalPolicyLocal || (externallyAccessible && externalPolicyLocal) }

    public static let defaultAffinityTimeoutSeconds = 10800

    /// The ports of `service` this proxy programs: none for ExternalName and headless Services,
    /// IPv6 ClusterIPs, or the cluster DNS service (the node answers on that address itself).
    /// Invalid IPs in `externalIPs` and load-balancer ingress are skipped.
    public static func ports(of service: CoreV1.Service, options: ProxyOptions) -> [ProxiedServicePort] {
        guard let spec = service.spec, let name = service.metadata.name else { return [] }
        let type = spec.type ?? "ClusterIP"
        guard type != "ExternalName", let clusterIP = ProxyIPv4(spec.clusterIP ?? "") else { return [] }
        if let dns = options.clusterDNSIP, dns == clusterIP { return [] }
        let nodePortsApply = type == "NodePort" || type == "LoadBalancer"
        var externalIPs: [ProxyIPv4] = []
        for ip in (spec.externalIPs ?? []).compactMap(ProxyIPv4.init) where !externalIPs.contains(ip) { externalIPs.append(ip) }
        var lbIPs: [ProxyIPv4] = []
        if type == "LoadBalancer" {
            // An ingress with ipMode Proxy is reached through the load balancer, not on this node.
            for ingress in service.status?.loadBalancer?.ingress ?? [] where ingress.ipMode != "Proxy" {
                if let ip = ProxyIPv4(ingress.ip ?? ""), !lbIPs.contains(ip) { lbIPs.append(ip) }
            }
        }
        // Host bits are allowed (and masked), as Kubernetes parses them; an IPv6 range does not
        // apply to this IPv4 proxy.
        let sourceRanges = type == "LoadBalancer" && !lbIPs.isEmpty
            ? (spec.loadBalancerSourceRanges ?? []).compactMap { IPv4Network(String($0.filter { !$0.isWhitespace })) }
                .compactMap { try? ProxyIPv4CIDR($0.description) } : []
        let affinity: Int? = spec.sessionAffinity == "ClientIP"
            ? max(1, min(86400, spec.sessionAffinityConfig?.clientIP?.timeoutSeconds ?? defaultAffinityTimeoutSeconds)) : nil
        let key = "\(service.metadata.namespace ?? "default")/\(name)"
        var result: [ProxiedServicePort] = []
        for sp in spec.ports ?? [] {
            guard let proto = ProxyProtocol(serviceProtocol: sp.protocol), let port = sp.port, (1...65535).contains(port) else { continue }
            var p = ProxiedServicePort(serviceKey: key, portName: sp.name ?? "", proto: proto, port: port, clusterIP: clusterIP,
                                       nodePort: nil, externalIPs: externalIPs, loadBalancerIPs: lbIPs, externalPolicyLocal: false,
                                       internalPolicyLocal: spec.internalTrafficPolicy == "Local", affinityTimeoutSeconds: affinity)
            if nodePortsApply, let nodePort = sp.nodePort, (1...65535).contains(nodePort) { p.nodePort = nodePort }
            p.loadBalancerSourceRanges = sourceRanges
            p.externalPolicyLocal = p.externallyAccessible && spec.externalTrafficPolicy == "Local"
            result.append(p)
        }
        return result
    }
}

/// One endpoint of one service port, from an EndpointSlice.
public struct ProxiedEndpoint: Sendable, Hashable {
    public var ip: ProxyIPv4
    public var port: Int
    public var ready: Bool
    public var serving: Bool
    public var terminating: Bool
    /// On this node (its `nodeName` is the proxy's node).
    public var isLocal: Bool

    /// `ip/port`, part of the endpoint's chain name.
    public var id: String { "\(ip)/\(port)" }

    /// Serving while terminating: used only when nothing ready is left (kube-proxy's fallback).
    var servingTerminating: Bool { serving && terminating }

    /// The endpoints of `port` in `slices` (the Service's IPv4 slices): the first address of each
    /// endpoint, with the slice port of the same name and protocol. An endpoint listed twice keeps
    /// its most usable copy.
    public static func endpoints(for port: ProxiedServicePort, in slices: [DiscoveryV1.EndpointSlice],
                                 nodeName: String) -> [ProxiedEndpoint] {
        var byID: [String: ProxiedEndpoint] = [:]
        for slice in slices where (slice.addressType ?? "IPv4") == "IPv4" {
            guard let slicePort = (slice.ports ?? []).first(where: {
                ($0.name ?? "") == port.portName && ProxyProtocol(serviceProtocol: $0.protocol) == port.proto
            }), let number = slicePort.port, (1...65535).contains(number) else { continue }
            for endpoint in slice.endpoints ?? [] {
                guard let ip = endpoint.addresses?.first.flatMap(ProxyIPv4.init) else { continue }
                // Unset conditions mean ready (and serving when ready); terminating only when said.
                let ready = endpoint.conditions?.ready ?? true
                let candidate = ProxiedEndpoint(ip: ip, port: number, ready: ready, serving: endpoint.conditions?.serving ?? ready,
                                                terminating: endpoint.conditions?.terminating ?? false,
                                                isLocal: endpoint.nodeName == nodeName)
                if let existing = byID[candidate.id], existing.rank >= candidate.rank { continue }
                byID[candidate.id] = candidate
            }
        }
        return byID.values.sorted { ($0.ip, $0.port) < ($1.ip, $1.port) }
    }

    private var rank: Int { ready ? 2 : servingTerminating ? 1 : 0 }
}
