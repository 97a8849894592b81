import TugAPI

/// Turns a Service and its EndpointSlices into the nftables objects that route it, following
/// kube-proxy's nftables mode: ClusterIP, externalIP and load-balancer keys in `service-ips`,
/// NodePorts in `service-nodeports`, a chain per policy that picks an endpoint with
/// `numgen random mod N`, a chain per endpoint that DNATs (and marks hairpin traffic for
/// masquerade), and reject/drop verdicts in the no-endpoint maps. Pure: no I/O.
public enum ServiceRuleBuilder {
    /// Chains of the base layout the service rules jump to.
    static let markForMasquerade = "mark-for-masquerade"
    static let rejectChain = "reject-chain"

    /// The rules of every port of `service`; empty for services the proxy does not program.
    public static func rules(service: CoreV1.Service, slices: [DiscoveryV1.EndpointSlice], options: ProxyOptions) -> ServiceRules {
        var result = ServiceRules()
        for port in ProxiedServicePort.ports(of: service, options: options) {
            let endpoints = ProxiedEndpoint.endpoints(for: port, in: slices, nodeName: options.nodeName)
            result.merge(rules(port: port, endpoints: endpoints, options: options))
        }
        return result
    }

    public static func rules(port: ProxiedServicePort, endpoints: [ProxiedEndpoint], options: ProxyOptions) -> ServiceRules {
        var out = ServiceRules()
        let categories = EndpointCategories(endpoints, for: port)
        let usesCluster = port.usesClusterEndpoints && !categories.cluster.isEmpty
        let usesLocal = port.usesLocalEndpoints && !categories.local.isEmpty
        let clusterChain = ProxyChainNames.cluster(port)
        let localChain = ProxyChainNames.local(port)
        let proto = port.proto.rawValue
        let reject = "goto \(rejectChain)"

        // One chain per endpoint any policy uses.
        var seen = Set<ProxiedEndpoint>()
        for endpoint in (usesCluster ? categories.cluster : []) + (usesLocal ? categories.local : []) where seen.insert(endpoint).inserted {
            var rules = ["ip saddr \(endpoint.ip) jump \(markForMasquerade)"]  // hairpin: a pod reaching itself
            if let timeout = port.affinityTimeoutSeconds {
                let set = ProxyChainNames.affinity(port, endpoint)
                out.affinitySets[set] = timeout
                rules.append("update @\(set) { ip saddr }")
            }
            rules.append("meta l4proto \(proto) dnat to \(endpoint.ip):\(endpoint.port)")
            out.chains[ProxyChainNames.endpoint(port, endpoint)] = rules
        }

        // ClusterIP traffic goes to the internal policy's chain.
        let internalChain: String? = port.internalPolicyLocal ? (usesLocal ? localChain : nil) : (usesCluster ? clusterChain : nil)
        if usesCluster {
            out.chains[clusterChain] = balancing(port, categories.cluster, masqueradeOffCluster: internalChain == clusterChain, options)
        }
        if usesLocal {
            out.chains[localChain] = balancing(port, categories.local, masqueradeOffCluster: internalChain == localChain, options)
        }
        let clusterKey = "\(port.clusterIP) . \(proto) . \(port.port)"
        if let internalChain {
            out.elements[.serviceIPs, default: [:]][clusterKey] = "goto \(internalChain)"
        } else {
            // Local policy with endpoints only elsewhere: drop, as kube-proxy; nothing anywhere: refuse at once.
            out.elements[.noEndpointServices, default: [:]][clusterKey] = categories.hasAny ? "drop" : reject
        }

        guard port.externallyAccessible else { return out }
        if !port.loadBalancerIPs.isEmpty && !port.loadBalancerSourceRanges.isEmpty {
            // As kube-proxy: when a range holds this node, the node may also reach the Service
            // through the load-balancer IP itself (traffic that loops back without leaving).
            var allowed = port.loadBalancerSourceRanges.map(\.description)
            if port.loadBalancerSourceRanges.contains(where: { range in options.nodeIPs.contains(where: range.contains) }) {
                allowed += port.loadBalancerIPs.map(\.description)
            }
            let firewall = ProxyChainNames.firewall(port)
            out.chains[firewall] = ["ip saddr != { \(allowed.joined(separator: ", ")) } drop"]
            for ip in port.loadBalancerIPs {
                out.elements[.firewallIPs, default: [:]]["\(ip) . \(proto) . \(port.port)"] = "goto \(firewall)"
            }
        }
        let ipKeys = (port.externalIPs + port.loadBalancerIPs).map { "\($0) . \(proto) . \(port.port)" }
        let nodePortKey = port.nodePort.map { "\(proto) . \($0)" }
        var externalRules: [String] = []
        if port.externalPolicyLocal {
            // Pods and the node itself are not "external": they may use any endpoint.
            if let internalChain {
                externalRules += ["ip saddr \(options.clusterCIDR) goto \(internalChain)",
                                  "fib saddr type local jump \(markForMasquerade)",
                                  "fib saddr type local goto \(internalChain)"]
            }
            if usesLocal { externalRules.append("goto \(localChain)") }
        } else if usesCluster {
            externalRules = ["jump \(markForMasquerade)", "goto \(clusterChain)"]
        }
        let externalVerdict: (map: ProxyMap, nodePortMap: ProxyMap, verdict: String)
        if externalRules.isEmpty {
            externalVerdict = (.noEndpointServices, .noEndpointNodePorts, categories.hasAny ? "drop" : reject)
        } else {
            if !usesLocal && port.externalPolicyLocal { externalRules.append("drop") }  // outside clients, no local endpoint
            let chain = ProxyChainNames.external(port)
            out.chains[chain] = externalRules
            externalVerdict = (.serviceIPs, .serviceNodePorts, "goto \(chain)")
        }
        for key in ipKeys { out.elements[externalVerdict.map, default: [:]][key] = externalVerdict.verdict }
        if let nodePortKey { out.elements[externalVerdict.nodePortMap, default: [:]][nodePortKey] = externalVerdict.verdict }
        return out
    }

    /// A policy chain: masquerade off-cluster clients of the ClusterIP, keep affine clients on
    /// their endpoint, else pick one at random.
    private static func balancing(_ port: ProxiedServicePort, _ endpoints: [ProxiedEndpoint], masqueradeOffCluster: Bool,
                                  _ options: ProxyOptions) -> [String] {
        var rules: [String] = []
        if masqueradeOffCluster {
            rules.append("ip daddr \(port.clusterIP) \(port.proto.rawValue) dport \(port.port) ip saddr != \(options.clusterCIDR) jump \(markForMasquerade)")
        }
        if port.affinityTimeoutSeconds != nil {
            for endpoint in endpoints {
                rules.append("ip saddr @\(ProxyChainNames.affinity(port, endpoint)) goto \(ProxyChainNames.endpoint(port, endpoint))")
            }
        }
        let choices = endpoints.enumerated().map { "\($0.offset) : goto \(ProxyChainNames.endpoint(port, $0.element))" }
        rules.append("numgen random mod \(endpoints.count) vmap { \(choices.joined(separator: ", ")) }")
        return rules
    }
}
