import TugAPI

/// The cluster IPs and node ports one Service holds.
struct ServiceAllocation: Sendable, Equatable {
    var ips: Set<UInt32> = []
    var nodePorts: Set<Int> = []

    var isEmpty: Bool { ips.isEmpty && nodePorts.isEmpty }

    /// What a stored Service holds: its IPv4 cluster IPs (not `None`), node ports and the
    /// health-check node port.
    init(_ svc: CoreV1.Service) {
        guard let spec = svc.spec, spec.type != "ExternalName" else { return }
        for ip in spec.clusterIPs ?? (spec.clusterIP.map { [$0] } ?? []) {
            if let address = IPv4Network.parseAddress(ip) { ips.insert(address) }
        }
        for port in spec.ports ?? [] {
            if let np = port.nodePort, np != 0 { nodePorts.insert(np) }
        }
        if let hc = spec.healthCheckNodePort, hc != 0 { nodePorts.insert(hc) }
    }

    init(ips: Set<UInt32> = [], nodePorts: Set<Int> = []) {
        self.ips = ips
        self.nodePorts = nodePorts
    }
}
