import Logging
import TugAPI

/// The routes this node has installed to other nodes' pods, brought to what the Nodes say.
/// Each sync changes only what differs; a full sync also re-installs every route (someone may
/// have flushed them), checks again which nodes are on a shared link, and removes Tugboat
/// routes nothing asks for any more (nodes deleted while this node was down).
public actor PodRouteTable {
    public let nodeName: String
    public let nodeIP: ProxyIPv4
    public let backend: PodNetworkBackend
    let host: any PodRouteHost
    let vxlanPort: Int
    let logger: Logger

    public private(set) var routes: [IPv4Network: PodRoute] = [:]
    private var device: VXLANDevice?
    private var onLink: [ProxyIPv4: Bool] = [:]
    /// The last error per pod CIDR, so a route that keeps failing is logged once, not every sync.
    private var reported: [IPv4Network: String] = [:]

    public init(nodeName: String, nodeIP: ProxyIPv4, backend: PodNetworkBackend, host: any PodRouteHost,
                vxlanPort: Int = VXLANDevice.defaultPort, logger: Logger) {
        self.nodeName = nodeName
        self.nodeIP = nodeIP
        self.backend = backend
        self.host = host
        self.vxlanPort = vxlanPort
        self.logger = logger
    }

    /// Brings the routes to `nodes`. Returns false when some route could not be put in place
    /// (the caller retries with a full sync).
    @discardableResult
    public func sync(nodes: [CoreV1.Node], full: Bool) async -> Bool {
        if full { onLink = [:] }
        let own = nodes.first { $0.metadata.name == nodeName }.flatMap(PodNetworkPeer.init(node:))
        var ok = true
        var desired: [IPv4Network: PodRoute] = [:]
        for peer in nodes.compactMap(PodNetworkPeer.init(node:)) where peer.nodeName != nodeName && peer.nodeIP != nodeIP {
            if let own, own.podCIDR == peer.podCIDR { continue }
            do {
                desired[peer.podCIDR] = PodRoute(nodeName: peer.nodeName, podCIDR: peer.podCIDR, nodeIP: peer.nodeIP,
                                                 path: try await path(to: peer.nodeIP))
            } catch {
                ok = report(peer.podCIDR, "cannot tell how to reach node \(peer.nodeName) at \(peer.nodeIP): \(error)") && ok
            }
        }
        if desired.values.contains(where: { $0.path == .vxlan }) {
            if let own {
                do { try await ensureDevice(own: own, full: full) } catch {
                    ok = report(own.podCIDR, "cannot set up VXLAN device \(VXLANDevice.defaultName): \(error)") && ok
                    desired = desired.filter { $0.value.path != .vxlan }
                }
            } else {
                // Our own pod CIDR is the VXLAN device's address; wait for it.
                desired = desired.filter { $0.value.path != .vxlan }
                ok = false
            }
        }
        for (cidr, route) in routes where desired[cidr] != route {
            do {
                try await host.remove(route, device: device)
                routes[cidr] = nil
                logger.info("pod network: removed route \(route)")
            } catch {
                ok = report(cidr, "cannot remove route \(route): \(error)") && ok
            }
        }
        for (cidr, route) in desired.sorted(by: { $0.key.address < $1.key.address }) where full || routes[cidr] != route {
            do {
                try await host.install(route, device: route.path == .vxlan ? device : nil)
                if routes[cidr] != route { logger.info("pod network: route \(route)") }
                routes[cidr] = route
                reported[cidr] = nil
            } catch {
                ok = report(cidr, "cannot install route \(route): \(error)") && ok
            }
        }
        if full {
            do {
                for stale in try await host.installedDestinations() where routes[stale] == nil {
                    try await host.removeRoute(to: stale)
                    logger.info("pod network: removed stale route to \(stale)")
                }
            } catch {
                logger.warning("pod network: cannot list or remove stale routes: \(error)")
                ok = false
            }
        }
        return ok
    }

    /// Removes every route and the VXLAN device (the node is leaving).
    public func removeAll() async {
        for route in routes.values {
            do { try await host.remove(route, device: device) } catch { logger.warning("pod network: removing \(route): \(error)") }
        }
        routes = [:]
        do { try await host.removeVXLAN(named: VXLANDevice.defaultName) } catch {
            logger.warning("pod network: removing \(VXLANDevice.defaultName): \(error)")
        }
        device = nil
    }

    private func path(to peer: ProxyIPv4) async throws -> PodRoute.Path {
        switch backend {
        case .hostGW: return .direct
        case .vxlan: return .vxlan
        case .auto:
            if let known = onLink[peer] { return known ? .direct : .vxlan }
            let direct = try await host.isOnLink(peer)
            onLink[peer] = direct
            return direct ? .direct : .vxlan
        }
    }

    private func ensureDevice(own: PodNetworkPeer, full: Bool) async throws {
        var wanted = VXLANDevice(port: vxlanPort, localIP: nodeIP, podCIDRAddress: ProxyIPv4(own.podCIDR.address), mtu: device?.mtu ?? 1450)
        if device == nil || full {
            wanted.mtu = max(576, try await host.mtu(ofInterfaceHolding: nodeIP) - VXLANDevice.overhead)
        }
        guard full || device != wanted else { return }
        try await host.ensure(wanted)
        if device != wanted { logger.info("pod network: VXLAN device \(wanted.name) (VNI \(wanted.vni), port \(wanted.port), MTU \(wanted.mtu))") }
        device = wanted
    }

    /// Logs `message` unless it is what was last logged for `cidr`; returns false (a failure).
    private func report(_ cidr: IPv4Network, _ message: String) -> Bool {
        if reported[cidr] != message {
            reported[cidr] = message
            logger.error("pod network: \(message)")
        }
        return false
    }
}
