/// This node's VXLAN device for pod traffic to nodes behind a router. Every node derives its
/// VXLAN MAC from its node address, so nothing needs to be published for others to find it.
public struct VXLANDevice: Sendable, Hashable {
    public static let defaultName = "tug.vxlan"
    /// The VNI and port flannel's VXLAN backend uses on Linux, so firewalls written for it fit.
    public static let defaultVNI = 1
    public static let defaultPort = 8472
    /// Outer IPv4 (20) + UDP (8) + VXLAN (8) + inner Ethernet (14).
    public static let overhead = 50

    public var name: String
    public var vni: Int
    public var port: Int
    /// The node address the tunnel's outer packets come from.
    public var localIP: ProxyIPv4
    /// The node's own pod CIDR: the device holds its network address, the next hop other nodes use.
    public var podCIDRAddress: ProxyIPv4
    public var mtu: Int

    public init(name: String = VXLANDevice.defaultName, vni: Int = VXLANDevice.defaultVNI, port: Int = VXLANDevice.defaultPort,
                localIP: ProxyIPv4, podCIDRAddress: ProxyIPv4, mtu: Int) {
        self.name = name
        self.vni = vni
        self.port = port
        self.localIP = localIP
        self.podCIDRAddress = podCIDRAddress
        self.mtu = mtu
    }

    public var mac: String { Self.mac(for: localIP) }

    /// `0e:74:` and the four address bytes: locally administered, unicast, one per node address.
    public static func mac(for nodeIP: ProxyIPv4) -> String {
        let bytes = [0x0E, 0x74] + (0..<4).reversed().map { Int((nodeIP.value >> (UInt32($0) * 8)) & 0xFF) }
        return bytes.map { ($0 < 16 ? "0" : "") + String($0, radix: 16) }.joined(separator: ":")
    }
}
