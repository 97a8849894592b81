import Foundation
import TugAPI
@testable import TugNetwork

enum PodRouteFixtures {
    static func node(_ name: String, ip: String?, podCIDR: String?) -> CoreV1.Node {
        var n = CoreV1.Node(metadata: MetaV1.ObjectMeta(name: name))
        n.spec = CoreV1.NodeSpec(podCIDR: podCIDR, podCIDRs: podCIDR.map { [$0] })
        var status = CoreV1.NodeStatus()
        status.addresses = ip.map { [CoreV1.NodeAddress(type: "Hostname", address: name), CoreV1.NodeAddress(type: "InternalIP", address: $0)] }
        n.status = status
        return n
    }

    static func cidr(_ text: String) -> IPv4Network { IPv4Network(text)! }
    static func ip(_ text: String) -> ProxyIPv4 { ProxyIPv4(text)! }
}

/// A `PodRouteHost` that keeps routes in memory and records what was asked of it.
actor RecordingRouteHost: PodRouteHost {
    var onLink: Set<ProxyIPv4> = []
    var interfaceMTU = 1500
    var device: VXLANDevice?
    var installed: [IPv4Network: PodRoute] = [:]
    /// Destinations installed by an earlier run (listed, not in `installed`).
    var leftovers: Set<IPv4Network> = []
    var log: [String] = []
    var failInstallsTo: Set<IPv4Network> = []

    func setOnLink(_ ips: [ProxyIPv4]) { onLink = Set(ips) }
    func setLeftovers(_ cidrs: [IPv4Network]) { leftovers = Set(cidrs) }
    func setFailing(_ cidrs: [IPv4Network]) { failInstallsTo = Set(cidrs) }
    func clearLog() { log = [] }

    func isOnLink(_ address: ProxyIPv4) async throws -> Bool { onLink.contains(address) }
    func mtu(ofInterfaceHolding address: ProxyIPv4) async throws -> Int { interfaceMTU }
    func ensure(_ device: VXLANDevice) async throws {
        self.device = device
        log.append("ensure \(device.name) mtu \(device.mtu) addr \(device.podCIDRAddress)")
    }
    func removeVXLAN(named name: String) async throws {
        if device != nil { log.append("remove device") }
        device = nil
        installed = installed.filter { $0.value.path != .vxlan }
    }
    func install(_ route: PodRoute, device: VXLANDevice?) async throws {
        if failInstallsTo.contains(route.podCIDR) { throw PodRouteError("no route for you") }
        if route.path == .vxlan && (device == nil || device != self.device) { throw PodRouteError("VXLAN route without its device") }
        installed[route.podCIDR] = route
        log.append("install \(route)")
    }
    func remove(_ route: PodRoute, device: VXLANDevice?) async throws {
        installed[route.podCIDR] = nil
        log.append("remove \(route.podCIDR)")
    }
    func installedDestinations() async throws -> [IPv4Network] { Array(installed.keys) + leftovers }
    func removeRoute(to destination: IPv4Network) async throws {
        installed[destination] = nil
        leftovers.remove(destination)
        log.append("remove stale \(destination)")
    }
}
