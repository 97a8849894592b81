import Foundation
import TugAPI
@testable import TugNetwork

/// Services and EndpointSlices as the API server would hold them, for proxy tests.
enum ProxyFixtures {
    static func options(nodeIPs: [String] = ["192.168.1.10"], table: String = "tugboat") throws -> ProxyOptions {
        try ProxyOptions(nodeName: "node-a", nodeIPs: nodeIPs, clusterCIDR: "10.42.0.0/16", clusterDNSIP: "10.43.0.10", tableName: table)
    }

    static func service(_ name: String, namespace: String = "default", clusterIP: String = "10.43.0.20", type: String = "ClusterIP",
                        ports: [CoreV1.ServicePort] = [CoreV1.ServicePort(name: "http", protocol: "TCP", port: 80, targetPort: 8080)],
                        externalIPs: [String]? = nil, lbIngress: [String] = [], externalPolicy: String? = nil,
                        internalPolicy: String? = nil, affinityTimeout: Int? = nil) -> CoreV1.Service {
        var s = CoreV1.Service(metadata: MetaV1.ObjectMeta(name: name, namespace: namespace))
        var spec = CoreV1.ServiceSpec(ports: ports, clusterIP: clusterIP, clusterIPs: [clusterIP], type: type, externalIPs: externalIPs)
        spec.externalTrafficPolicy = externalPolicy
        spec.internalTrafficPolicy = internalPolicy
        if let affinityTimeout {
            spec.sessionAffinity = "ClientIP"
            spec.sessionAffinityConfig = CoreV1.SessionAffinityConfig(clientIP: CoreV1.ClientIPConfig(timeoutSeconds: affinityTimeout))
        }
        s.spec = spec
        if !lbIngress.isEmpty {
            s.status = CoreV1.ServiceStatus(loadBalancer: CoreV1.LoadBalancerStatus(ingress: lbIngress.map { CoreV1.LoadBalancerIngress(ip: $0) }))
        }
        return s
    }

    struct EP {
        var ip: String
        var node: String? = "node-a"
        var ready: Bool? = true
        var serving: Bool? = nil
        var terminating: Bool? = nil
    }

    static func slice(_ service: String, namespace: String = "default", name: String? = nil, port: Int = 8080,
                      portName: String = "http", endpoints: [EP]) -> DiscoveryV1.EndpointSlice {
        var s = DiscoveryV1.EndpointSlice(metadata: MetaV1.ObjectMeta(name: name ?? "\(service)-abcde", namespace: namespace))
        s.metadata.labels = ["kubernetes.io/service-name": service]
        s.addressType = "IPv4"
        s.ports = [DiscoveryV1.EndpointPort(name: portName, protocol: "TCP", port: port)]
        s.endpoints = endpoints.map {
            DiscoveryV1.Endpoint(addresses: [$0.ip],
                                 conditions: DiscoveryV1.EndpointConditions(ready: $0.ready, serving: $0.serving, terminating: $0.terminating),
                                 nodeName: $0.node)
        }
        return s
    }

    /// All rule lines of all chains, for `contains` checks.
    static func allRules(_ rules: ServiceRules) -> [String] { rules.chains.values.flatMap { $0 } }

    /// The chain whose name starts with `prefix`.
    static func chain(_ rules: ServiceRules, _ prefix: String) -> (name: String, rules: [String])? {
        rules.chains.first { $0.key.hasPrefix(prefix) }.map { ($0.key, $0.value) }
    }
}

/// Records scripts instead of running nft; can be told to refuse the next one.
actor RecordingNFTRunner: NFTRunner {
    private(set) var scripts: [String] = []
    private var failNext = false
    var listing: String?
    private(set) var routeLocalnetEnabled = false

    func apply(_ script: String) async throws {
        if failNext {
            failNext = false
            throw NFTError(script: script, message: "Error: Could not process rule: No such file or directory")
        }
        scripts.append(script)
    }

    func listTable(_ name: String) async throws -> String? { listing }
    func enableRouteLocalnet() async throws { routeLocalnetEnabled = true }
    func refuseNext() { failNext = true }
    func setListing(_ json: String?) { listing = json }
}
