import Foundation
import Testing
import TugAPI
import TugClient
@testable import TugControllers

/// LoadBalancer Services get the nodes' addresses, follow node changes, and lose them when
/// they stop being LoadBalancers.
struct ServiceLBControllerTests {
    typealias C = ControllerTestCluster

    func node(_ c: C, _ name: String, internalIP: String, external: String? = nil) async throws {
        var n = CoreV1.Node(metadata: MetaV1.ObjectMeta(name: name))
        let now = Time.now()
        var addresses = [CoreV1.NodeAddress(type: "InternalIP", address: internalIP)]
        if let external { addresses.append(CoreV1.NodeAddress(type: "ExternalIP", address: external)) }
        n.status = CoreV1.NodeStatus(conditions: [CoreV1.NodeCondition(type: "Ready", status: "True", lastHeartbeatTime: now, lastTransitionTime: now)],
                                     addresses: addresses)
        _ = try await c.client.create(n)
    }

    func ingress(_ c: C, _ name: String) async throws -> [String] {
        try await c.client.get(CoreV1.Service.self, namespace: "default", name: name).status?.loadBalancer?.ingress?.compactMap(\.ip) ?? []
    }

    @Test func loadBalancersGetTheNodesAddresses() async throws {
        let c = try await C.start()
        defer { c.stop() }
        try await node(c, "n1", internalIP: "10.0.0.2")
        try await node(c, "n2", internalIP: "10.0.0.3", external: "203.0.113.5")
        var lb = C.service("web", selector: ["app": "web"], ports: [CoreV1.ServicePort(name: "http", port: 80)])
        lb.spec?.type = "LoadBalancer"
        _ = try await c.client.create(lb)
        var other = C.service("other", selector: ["app": "web"], ports: [CoreV1.ServicePort(name: "http", port: 80)])
        other.spec?.type = "LoadBalancer"
        other.spec?.loadBalancerClass = "example.com/another-lb"
        _ = try await c.client.create(other)

        try await c.eventually("both nodes as ingress") { try await ingress(c, "web") == ["10.0.0.2", "203.0.113.5"] }
        let svc = try await c.client.get(CoreV1.Service.self, namespace: "default", name: "web")
        #expect(svc.status?.loadBalancer?.ingress?.first?.ipMode == "VIP")

        // A cordoned node stops being a way in.
        var n1 = try await c.client.get(CoreV1.Node.self, name: "n1")
        n1.spec = CoreV1.NodeSpec(unschedulable: true)
        _ = try await c.client.update(n1)
        try await c.eventually("only n2") { try await ingress(c, "web") == ["203.0.113.5"] }

        // No longer a LoadBalancer: the ingress goes.
        var current = try await c.client.get(CoreV1.Service.self, namespace: "default", name: "web")
        current.spec?.type = "ClusterIP"
        current.spec?.externalTrafficPolicy = nil
        current.spec?.allocateLoadBalancerNodePorts = nil
        let ports = current.spec?.ports?.map { p in var p = p; p.nodePort = nil; return p }
        current.spec?.ports = ports
        _ = try await c.client.update(current)
        try await c.eventually("ingress cleared") { try await ingress(c, "web").isEmpty }
        #expect(try await ingress(c, "other").isEmpty, "another implementation's Service is left alone")
    }
}
