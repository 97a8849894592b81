import TugAPI

/// What the pod routes need from the host's network stack; tests inject a recorder,
/// production uses `IPRouteHost` (iproute2).
public protocol PodRouteHost: Sendable {
    /// Whether `address` is on a link this host shares (no router on the way).
    func isOnLink(_ address: ProxyIPv4) async throws -> Bool
    /// The MTU of the interface that holds `address` (the node's own), which VXLAN packets leave on.
    func mtu(ofInterfaceHolding address: ProxyIPv4) async throws -> Int
    /// Creates the VXLAN device, or fixes it when its settings differ; leaves it up and holding
    /// its pod CIDR address.
    func ensure(_ device: VXLANDevice) async throws
    /// Removes the VXLAN device (and with it every route through it); absent is fine.
    func removeVXLAN(named name: String) async throws
    /// Installs or replaces one route (and for VXLAN the neighbour and forwarding entries).
    func install(_ route: PodRoute, device: VXLANDevice?) async throws
    /// Removes one route (and for VXLAN its neighbour and forwarding entries); absent is fine.
    func remove(_ route: PodRoute, device: VXLANDevice?) async throws
    /// Destinations of the routes this host holds that Tugboat installed.
    func installedDestinations() async throws -> [IPv4Network]
    /// Removes the route Tugboat installed to `destination`; absent is fine.
    func removeRoute(to destination: IPv4Network) async throws
}
