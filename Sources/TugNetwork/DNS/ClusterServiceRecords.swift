import TugAPI

/// The records one Service contributes to the zone, from the Service and its EndpointSlices
/// (Kubernetes DNS specification; CoreDNS' kubernetes plugin where the spec leaves room):
///
/// - `svc.ns.svc.<zone>`: A/AAAA of the ClusterIPs; for a headless service the ready endpoint
///   addresses; for ExternalName a CNAME to `spec.externalName`.
/// - `_port._proto.svc.ns.svc.<zone>` SRV for each named port (headless: one per ready endpoint,
///   target its endpoint name, port the endpoint's); plain `svc.ns.svc.<zone>` SRV lists all ports.
/// - `host.svc.ns.svc.<zone>` A/AAAA per ready endpoint, `host` its `hostname` (StatefulSet pods
///   under a governing service) or its dashed address (`10-42-0-5`).
/// - PTR: ClusterIPs to the service name, endpoint addresses to their endpoint names.
enum ClusterServiceRecords {
    /// Name to records, forward and reverse names together; names are lower case.
    static func make(service: CoreV1.Service, slices: [DiscoveryV1.EndpointSlice], origin: DNSName, ttl: UInt32) -> [DNSName: [DNSRecord]] {
        guard let name = service.metadata.name, let namespace = service.metadata.namespace,
              let base = try? origin.prepending("svc").prepending(namespace.lowercased()).prepending(name.lowercased()) else { return [:] }
        var out: [DNSName: [DNSRecord]] = [:]
        func add(_ owner: DNSName, _ data: DNSRecordData, _ type: DNSType) {
            out[owner, default: []].append(DNSRecord(name: owner, type: type, ttl: ttl, data: data))
        }
        let spec = service.spec ?? CoreV1.ServiceSpec()
        let ports = spec.ports ?? []

        if spec.type == "ExternalName" {
            guard let external = spec.externalName, let target = try? DNSName(external) else { return [:] }
            add(base, .cname(target), .cname)
            for port in ports {
                guard let srvName = srvName(port.name, port.protocol, base), let number = port.port else { continue }
                add(srvName, .srv(priority: 0, weight: 100, port: UInt16(clamping: number), target: target), .srv)
            }
            return out
        }

        let endpoints = readyEndpoints(slices, includeNotReady: spec.publishNotReadyAddresses == true)
        let headless = spec.clusterIP == "None"
        for endpoint in endpoints {
            guard let owner = try? base.prepending(endpoint.label) else { continue }
            add(owner, endpoint.address.count == 16 ? .aaaa(endpoint.address) : .a(endpoint.address), endpoint.address.count == 16 ? .aaaa : .a)
            add(DNSAddress.reverseName(endpoint.address), .ptr(owner), .ptr)
        }

        if headless {
            for endpoint in endpoints {
                add(base, endpoint.address.count == 16 ? .aaaa(endpoint.address) : .a(endpoint.address), endpoint.address.count == 16 ? .aaaa : .a)
            }
            var named: [DNSName: [(UInt16, DNSName)]] = [:]
            var all: [(UInt16, DNSName)] = []
            for endpoint in endpoints {
                guard let target = try? base.prepending(endpoint.label) else { continue }
                for port in endpoint.ports {
                    guard let number = port.port else { continue }
                    all.append((UInt16(clamping: number), target))
                    if let srvName = srvName(port.name, port.protocol, base) { named[srvName, default: []].append((UInt16(clamping: number), target)) }
                }
            }
            addSRV(&out, base, all, ttl)
            for (owner, entries) in named { addSRV(&out, owner, entries, ttl) }
        } else {
            let ips = (spec.clusterIPs ?? spec.clusterIP.map { [$0] } ?? []).compactMap(DNSAddress.parse)
            for ip in ips {
                add(base, ip.count == 16 ? .aaaa(ip) : .a(ip), ip.count == 16 ? .aaaa : .a)
                add(DNSAddress.reverseName(ip), .ptr(base), .ptr)
            }
            if !ips.isEmpty {
                addSRV(&out, base, ports.compactMap { $0.port.map { (UInt16(clamping: $0), base) } }, ttl)
                for port in ports {
                    guard let srvName = srvName(port.name, port.protocol, base), let number = port.port else { continue }
                    addSRV(&out, srvName, [(UInt16(clamping: number), base)], ttl)
                }
            }
        }
        return out
    }

    /// `_http._tcp.<base>` for a named port.
    private static func srvName(_ portName: String?, _ proto: String?, _ base: DNSName) -> DNSName? {
        guard let portName, !portName.isEmpty else { return nil }
        return try? base.prepending("_" + (proto ?? "TCP").lowercased()).prepending("_" + portName.lowercased())
    }

    /// SRV records sharing the weight evenly (CoreDNS: 100 / count per priority).
    private static func addSRV(_ out: inout [DNSName: [DNSRecord]], _ owner: DNSName, _ entries: [(UInt16, DNSName)], _ ttl: UInt32) {
        guard !entries.isEmpty else { return }
        let weight = UInt16(100 / entries.count)
        for (port, target) in entries {
            out[owner, default: []].append(DNSRecord(name: owner, type: .srv, ttl: ttl, data: .srv(priority: 0, weight: weight, port: port, target: target)))
        }
    }

    struct Endpoint {
        var address: [UInt8]
        var label: String
        var ports: [DiscoveryV1.EndpointPort]
    }

    /// Ready (or, with `publishNotReadyAddresses`, all) addresses of IPv4/IPv6 slices, each once.
    static func readyEndpoints(_ slices: [DiscoveryV1.EndpointSlice], includeNotReady: Bool) -> [Endpoint] {
        var seen = Set<[UInt8]>()
        var result: [Endpoint] = []
        let ordered = slices.sorted { ($0.metadata.name ?? "") < ($1.metadata.name ?? "") }
        for slice in ordered where slice.addressType == "IPv4" || slice.addressType == "IPv6" {
            for endpoint in slice.endpoints ?? [] {
                // A nil `ready` means ready (discovery.k8s.io/v1).
                guard includeNotReady || endpoint.conditions?.ready != false else { continue }
                for text in endpoint.addresses ?? [] {
                    guard let address = DNSAddress.parse(text), seen.insert(address).inserted else { continue }
                    let label = endpoint.hostname.flatMap { $0.isEmpty ? nil : $0.lowercased() } ?? DNSAddress.dashed(address)
                    result.append(Endpoint(address: address, label: label, ports: slice.ports ?? []))
                }
            }
        }
        return result
    }
}
