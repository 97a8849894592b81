import NIOCore

/// The IPv4 addresses this machine answers on, to decide whether an externalIP or a
/// load-balancer IP can be listened on here: every interface address, and all of a loopback
/// interface's network (Linux answers on all of 127.0.0.0/8, not just 127.0.0.1).
struct UserspaceHostAddresses: Sendable {
    private var exact: Set<ProxyIPv4> = []
    private var loopbackNetworks: [ProxyIPv4CIDR] = []

    /// The addresses now; none when the interfaces cannot be listed.
    static func current() -> UserspaceHostAddresses {
        var result = UserspaceHostAddresses()
        for device in (try? System.enumerateDevices()) ?? [] {
            guard let address = device.address.flatMap(UserspaceTCPConnector.ipv4) else { continue }
            result.exact.insert(address)
            guard address.isLoopback, let mask = device.netmask.flatMap(UserspaceTCPConnector.ipv4) else { continue }
            let prefix = mask.value.nonzeroBitCount
            let network = ProxyIPv4(prefix == 0 ? 0 : address.value & (UInt32.max << (32 - prefix)))
            if let cidr = try? ProxyIPv4CIDR("\(network)/\(prefix)") { result.loopbackNetworks.append(cidr) }
        }
        return result
    }

    func contains(_ ip: ProxyIPv4) -> Bool {
        exact.contains(ip) || loopbackNetworks.contains { $0.contains(ip) }
    }
}
