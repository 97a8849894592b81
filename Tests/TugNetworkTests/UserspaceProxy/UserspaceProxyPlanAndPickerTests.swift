import NIOCore
import Testing
import TugAPI
@testable import TugNetwork

/// The pure parts: which listeners a set of Services asks for, and which endpoint a client gets.
struct UserspaceProxyPlanAndPickerTests {
    typealias F = ProxyFixtures

    func plan(_ services: [CoreV1.Service], slices: [DiscoveryV1.EndpointSlice] = [], clusterIPs: Bool = false,
              nodeIPs: [String] = ["192.168.1.10", "127.0.0.1"], local: Set<String> = []) throws -> UserspaceListenerPlan {
        UserspaceListenerPlan.build(services: services, slices: { key in slices.filter { "default/\($0.metadata.labels?["kubernetes.io/service-name"] ?? "")" == key } },
                                    options: try F.options(nodeIPs: nodeIPs), serveClusterIPs: clusterIPs,
                                    isLocal: { local.contains($0.description) })
    }

    @Test("loadBalancerSourceRanges guard the load-balancer IP's listener, not the NodePort's")
    func loadBalancerSourceRanges() throws {
        var lb = F.service("lb", type: "LoadBalancer", ports: [.init(name: "http", protocol: "TCP", port: 80, targetPort: 8080, nodePort: 30080)],
                           lbIngress: ["127.0.0.9"])
        lb.spec?.loadBalancerSourceRanges = ["203.0.113.0/24"]
        let p = try plan([lb], local: ["127.0.0.9"])
        let guarded = try #require(p.listeners[UserspaceListenerKey(proto: .tcp, ip: ProxyIPv4("127.0.0.9")!, port: 80)])
        #expect(guarded.admits(ProxyIPv4("203.0.113.50")) && !guarded.admits(ProxyIPv4("127.0.0.1")) && !guarded.admits(nil))
        let nodePort = try #require(p.listeners[UserspaceListenerKey(proto: .tcp, ip: ProxyIPv4("127.0.0.1")!, port: 30080)])
        #expect(nodePort.admits(ProxyIPv4("127.0.0.1")), "NodePorts are not filtered")

        // A range holding a node address lets the node use the load-balancer IP itself.
        lb.spec?.loadBalancerSourceRanges = ["192.168.1.0/24"]
        let withNode = try plan([lb], local: ["127.0.0.9"])
        let route = try #require(withNode.listeners[UserspaceListenerKey(proto: .tcp, ip: ProxyIPv4("127.0.0.9")!, port: 80)])
        #expect(route.admits(ProxyIPv4("127.0.0.9")) && route.admits(ProxyIPv4("192.168.1.77")) && !route.admits(ProxyIPv4("10.1.2.3")))
    }

    @Test func listenersOfEachKindOfAddress() throws {
        let web = F.service("web", type: "LoadBalancer",
                            ports: [.init(name: "http", protocol: "TCP", port: 80, targetPort: 8080, nodePort: 30080),
                                    .init(name: "dns", protocol: "UDP", port: 53, targetPort: 53, nodePort: 30053),
                                    .init(name: "sig", protocol: "SCTP", port: 9, targetPort: 9)],
                            externalIPs: ["203.0.113.5", "198.51.100.7"], lbIngress: ["198.51.100.9"])
        let p = try plan([web], clusterIPs: true, local: ["203.0.113.5", "198.51.100.9"])
        #expect(Set(p.listeners.keys.map(\.description)) == [
            "tcp 10.43.0.20:80", "tcp 192.168.1.10:30080", "tcp 127.0.0.1:30080", "tcp 203.0.113.5:80", "tcp 198.51.100.9:80",
            "udp 10.43.0.20:53", "udp 192.168.1.10:30053", "udp 127.0.0.1:30053", "udp 203.0.113.5:53", "udp 198.51.100.9:53",
        ])
        let clusterIP = try #require(p.listeners.first { $0.key.description == "tcp 10.43.0.20:80" }?.value)
        #expect(clusterIP.traffic == .internal && clusterIP.isClusterIP)
        #expect(p.listeners.filter { !$0.value.isClusterIP }.allSatisfy { $0.value.traffic == .external })
        #expect(p.unsupported == ["default/web/sctp/sig"])

        // Without clusterIPs, a ClusterIP Service has no listener at all; the DNS Service is left to the DNS server.
        #expect(try plan([F.service("internal"), F.service("kube-dns", clusterIP: "10.43.0.10")]).listeners.isEmpty)
        #expect(try plan([F.service("kube-dns", clusterIP: "10.43.0.10")], clusterIPs: true).listeners.isEmpty)
    }

    @Test func twoServicesOnOneAddressConflict() throws {
        let a = F.service("a", clusterIP: "10.43.0.20", externalIPs: ["203.0.113.5"])
        let b = F.service("b", clusterIP: "10.43.0.21", externalIPs: ["203.0.113.5"])
        let p = try plan([b, a], local: ["203.0.113.5"])
        #expect(p.listeners.count == 1)
        #expect(p.listeners.first?.value.portID == "default/a/tcp/http")
        #expect(p.conflicts.first?.value.contains("default/b/tcp/http") == true)
    }

    @Test func localPoliciesAndTerminatingFallback() throws {
        let options = try F.options(nodeIPs: ["192.168.1.10"])
        let service = F.service("web", type: "NodePort",
                                ports: [.init(name: "http", protocol: "TCP", port: 80, targetPort: 8080, nodePort: 30080)],
                                externalPolicy: "Local")
        let port = try #require(ProxiedServicePort.ports(of: service, options: options).first)
        let slice = F.slice("web", endpoints: [.init(ip: "10.42.0.5"), .init(ip: "10.42.1.5", node: "node-b")])
        let endpoints = ProxiedEndpoint.endpoints(for: port, in: [slice], nodeName: "node-a")
        let picker = UserspaceEndpointPicker(port: port, endpoints: endpoints, options: options)
        let outside = ProxyIPv4("203.0.113.9")
        // Outside clients of a Local NodePort reach only this node's endpoint; pods and the node reach all.
        for _ in 0..<20 { #expect(picker.pick(for: .external, client: outside)?.ip.description == "10.42.0.5") }
        #expect(Set(picker.allowed(for: .external, client: ProxyIPv4("10.42.3.3")).map(\.id)) == ["10.42.0.5/8080", "10.42.1.5/8080"])
        #expect(Set(picker.allowed(for: .external, client: ProxyIPv4("127.0.0.1")).map(\.id)) == ["10.42.0.5/8080", "10.42.1.5/8080"])
        #expect(picker.allowed(for: .internal, client: outside).count == 2)

        // Nothing ready: endpoints still serving while terminating take the traffic.
        let draining = F.slice("web", endpoints: [.init(ip: "10.42.0.5", ready: false, serving: true, terminating: true),
                                                  .init(ip: "10.42.0.6", ready: false, serving: false, terminating: true)])
        picker.update(port: port, endpoints: ProxiedEndpoint.endpoints(for: port, in: [draining], nodeName: "node-a"))
        #expect(picker.allowed(for: .external, client: outside).map(\.id) == ["10.42.0.5/8080"])
        #expect(picker.pick(for: .external, client: outside, excluding: [try #require(picker.pick(for: .external, client: outside))]) == nil)
    }

    @Test func affinityFollowsTheClientAndEndsWithItsEndpoint() throws {
        let options = try F.options()
        let service = F.service("web", affinityTimeout: 600)
        let port = try #require(ProxiedServicePort.ports(of: service, options: options).first)
        let three = F.slice("web", endpoints: [.init(ip: "10.42.0.5"), .init(ip: "10.42.0.6"), .init(ip: "10.42.0.7")])
        let picker = UserspaceEndpointPicker(port: port, endpoints: ProxiedEndpoint.endpoints(for: port, in: [three], nodeName: "node-a"),
                                             options: options)
        let client = ProxyIPv4("10.42.9.9")
        let first = try #require(picker.pick(for: .internal, client: client))
        for _ in 0..<20 { #expect(picker.pick(for: .internal, client: client) == first) }
        // The endpoint fails the client: it is forgotten and another is chosen and kept.
        picker.forget(client: client, endpoint: first)
        let second = try #require(picker.pick(for: .internal, client: client, excluding: [first]))
        #expect(second != first)
        for _ in 0..<20 { #expect(picker.pick(for: .internal, client: client) == second) }
        // The endpoint leaves the Service: the client moves on.
        let remaining = (three.endpoints ?? []).filter { $0.addresses?.first != second.ip.description }
        var smaller = three
        smaller.endpoints = remaining
        picker.update(port: port, endpoints: ProxiedEndpoint.endpoints(for: port, in: [smaller], nodeName: "node-a"))
        let third = try #require(picker.pick(for: .internal, client: client))
        #expect(third != second)
        for _ in 0..<20 { #expect(picker.pick(for: .internal, client: client) == third) }
    }
}
