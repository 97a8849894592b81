import TugAPI

/// One socket the userspace proxy listens on: protocol, address and port.
public struct UserspaceListenerKey: Sendable, Hashable, Comparable, CustomStringConvertible {
    public var proto: ProxyProtocol
    /// `0.0.0.0` for NodePorts on a node with no node IPs configured.
    public var ip: ProxyIPv4
    public var port: Int

    public init(proto: ProxyProtocol, ip: ProxyIPv4, port: Int) {
        self.proto = proto
        self.ip = ip
        self.port = port
    }

    /// `tcp 127.0.0.1:30080`.
    public var description: String { "\(proto.rawValue) \(ip):\(port)" }

    public static func < (a: Self, b: Self) -> Bool {
        (a.proto.rawValue, a.ip, a.port) < (b.proto.rawValue, b.ip, b.port)
    }
}

/// Which traffic policy a listener's connections fall under: ClusterIP traffic follows
/// `internalTrafficPolicy`, NodePort, externalIP and load-balancer traffic `externalTrafficPolicy`.
public enum UserspaceTraffic: String, Sendable, Hashable {
    case `internal`, external
}

/// Where a listener sends what it accepts: one service port, reached one way.
struct UserspaceRoute: Sendable, Hashable {
    /// `ProxiedServicePort.id`: the key of the port's endpoint picker.
    var portID: String
    var traffic: UserspaceTraffic
    /// Listens on the ClusterIP, which the proxy must put on `lo` first.
    var isClusterIP: Bool
    /// `loadBalancerSourceRanges` on a load-balancer IP: only these clients get through (nil: all).
    var allowedSources: [ProxyIPv4CIDR]? = nil

    /// Whether a client at `address` may use this route.
    func admits(_ address: ProxyIPv4?) -> Bool {
        guard let allowedSources else { return true }
        guard let address else { return false }
        return allowedSources.contains { $0.contains(address) }
    }
}

/// What the userspace proxy should be doing: every listener with its route, and every service
/// port with its endpoints. Built from the informers' caches by the same rules as the nftables
/// proxy (`ProxiedServicePort.ports`, `ProxiedEndpoint.endpoints`); pure, no I/O.
struct UserspaceListenerPlan: Sendable {
    var listeners: [UserspaceListenerKey: UserspaceRoute] = [:]
    var ports: [String: (port: ProxiedServicePort, endpoints: [ProxiedEndpoint])] = [:]
    /// Listeners two service ports both want: the port with the smaller id keeps it.
    var conflicts: [UserspaceListenerKey: String] = [:]
    /// Ports a userspace proxy cannot forward (SCTP).
    var unsupported: [String] = []

    /// - Parameters:
    ///   - serveClusterIPs: also listen on each ClusterIP (the proxy then holds it on `lo`).
    ///   - isLocal: whether an externalIP or load-balancer IP is an address of this machine;
    ///     others are not listened on (they reach another node, or nothing).
    static func build(services: [CoreV1.Service], slices: (String) -> [DiscoveryV1.EndpointSlice], options: ProxyOptions,
                      serveClusterIPs: Bool, isLocal: (ProxyIPv4) -> Bool) -> UserspaceListenerPlan {
        var plan = UserspaceListenerPlan()
        var all: [ProxiedServicePort] = []
        for service in services {
            let ports = ProxiedServicePort.ports(of: service, options: options)
            guard !ports.isEmpty else { continue }
            let related = slices(ports[0].serviceKey)
            for port in ports {
                if port.proto == .sctp {
                    plan.unsupported.append(port.id)
                    continue
                }
                plan.ports[port.id] = (port, ProxiedEndpoint.endpoints(for: port, in: related, nodeName: options.nodeName))
                all.append(port)
            }
        }
        let nodeIPs = options.nodeIPs.isEmpty ? [ProxyIPv4(0)] : options.nodeIPs
        for port in all.sorted(by: { $0.id < $1.id }) {
            var wanted: [(UserspaceListenerKey, UserspaceRoute)] = []
            let external = UserspaceRoute(portID: port.id, traffic: .external, isClusterIP: false)
            if serveClusterIPs {
                wanted.append((UserspaceListenerKey(proto: port.proto, ip: port.clusterIP, port: port.port),
                               UserspaceRoute(portID: port.id, traffic: .internal, isClusterIP: true)))
            }
            if let nodePort = port.nodePort {
                for ip in nodeIPs { wanted.append((UserspaceListenerKey(proto: port.proto, ip: ip, port: nodePort), external)) }
            }
            for ip in port.externalIPs where isLocal(ip) {
                wanted.append((UserspaceListenerKey(proto: port.proto, ip: ip, port: port.port), external))
            }
            // As the nftables proxy: source ranges guard the load-balancer IPs (the node itself
            // counts as inside when a range holds one of its addresses).
            var guarded = external
            if !port.loadBalancerSourceRanges.isEmpty {
                var allowed = port.loadBalancerSourceRanges
                if allowed.contains(where: { range in options.nodeIPs.contains(where: range.contains) }) {
                    allowed += port.loadBalancerIPs.compactMap { try? ProxyIPv4CIDR("\($0)/32") }
                }
                guarded.allowedSources = allowed
            }
            for ip in port.loadBalancerIPs where isLocal(ip) {
                wanted.append((UserspaceListenerKey(proto: port.proto, ip: ip, port: port.port), guarded))
            }
            for (key, route) in wanted {
                if let existing = plan.listeners[key] {
                    if existing != route && existing.portID != route.portID {
                        plan.conflicts[key] = "\(route.portID) wants \(key), which \(existing.portID) already has"
                    }
                    continue
                }
                plan.listeners[key] = route
            }
        }
        return plan
    }
}
