import Testing
import TugAPI
@testable import TugNetwork

/// Services and EndpointSlices as the API server and the EndpointSlice controller make them.
enum DNSFixtures {
    static func service(_ name: String, namespace: String = "default", clusterIP: String? = "10.43.0.20", clusterIPs: [String]? = nil,
                        ports: [CoreV1.ServicePort] = [CoreV1.ServicePort(name: "http", protocol: "TCP", port: 80)],
                        type: String? = nil, externalName: String? = nil, publishNotReady: Bool? = nil) -> CoreV1.Service {
        var s = CoreV1.Service(metadata: MetaV1.ObjectMeta(name: name, namespace: namespace))
        s.spec = CoreV1.ServiceSpec(ports: ports, clusterIP: clusterIP, clusterIPs: clusterIPs ?? clusterIP.map { [$0] }, type: type,
                                    externalName: externalName, publishNotReadyAddresses: publishNotReady)
        return s
    }

    struct EP {
        var ip: String
        var ready: Bool? = true
        var hostname: String? = nil
    }

    static func slice(_ name: String, service: String, namespace: String = "default", addressType: String = "IPv4", _ endpoints: [EP],
                      ports: [DiscoveryV1.EndpointPort] = [DiscoveryV1.EndpointPort(name: "http", protocol: "TCP", port: 8080)]) -> DiscoveryV1.EndpointSlice {
        var meta = MetaV1.ObjectMeta(name: name, namespace: namespace)
        meta.labels = ["kubernetes.io/service-name": service]
        return DiscoveryV1.EndpointSlice(metadata: meta, addressType: addressType, endpoints: endpoints.map {
            DiscoveryV1.Endpoint(addresses: [$0.ip], conditions: DiscoveryV1.EndpointConditions(ready: $0.ready), hostname: $0.hostname)
        }, ports: ports)
    }

    static func name(_ s: String) -> DNSName { try! DNSName(s) }
}

extension ClusterZone {
    /// The answer for `name`/`type`, or a test failure when the zone is not authoritative.
    func answer(_ name: String, _ type: DNSType) throws -> ClusterZone.Answer {
        guard case .answer(let a) = lookup(try DNSName(name).lowercased(), type) else {
            Issue.record("\(name) \(type): not authoritative")
            throw DNSNameError("not authoritative")
        }
        return a
    }

    func isAuthoritative(_ name: String, _ type: DNSType) throws -> Bool {
        if case .answer = lookup(try DNSName(name).lowercased(), type) { return true }
        return false
    }
}

extension [DNSRecord] {
    /// A/AAAA addresses as text, sorted.
    var addresses: [String] {
        compactMap { r -> String? in
            switch r.data {
            case .a(let b), .aaaa(let b): DNSAddress.format(b)
            default: nil
            }
        }.sorted()
    }

    /// SRV records as "priority weight port target", sorted.
    var services: [String] {
        compactMap { r -> String? in
            if case .srv(let p, let w, let port, let t) = r.data { return "\(p) \(w) \(port) \(t)" }
            return nil
        }.sorted()
    }

    var targets: [String] {
        compactMap { r -> String? in
            switch r.data {
            case .cname(let t), .ptr(let t), .ns(let t): t.description
            default: nil
            }
        }.sorted()
    }
}
