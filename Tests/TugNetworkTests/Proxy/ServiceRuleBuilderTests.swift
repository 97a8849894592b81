import Foundation
import Testing
import TugAPI
@testable import TugNetwork

@Suite("Service proxy rules (nft script model)")
struct ServiceRuleBuilderTests {
    typealias F = ProxyFixtures

    @Test("ClusterIP: service-ips element, random pick over ready endpoints, masquerade off-cluster clients, hairpin, DNAT")
    func clusterIP() throws {
        let options = try F.options()
        let rules = ServiceRuleBuilder.rules(service: F.service("web"),
                                             slices: [F.slice("web", endpoints: [.init(ip: "10.42.0.5"), .init(ip: "10.42.1.7", node: "node-b"),
                                                                                 .init(ip: "10.42.0.9", ready: false)])],
                                             options: options)
        let svc = try #require(F.chain(rules, "service-"))
        #expect(svc.name.hasSuffix("-default/web/tcp/http"))
        #expect(rules.elements[.serviceIPs] == ["10.43.0.20 . tcp . 80": "goto \(svc.name)"])
        #expect(svc.rules.first == "ip daddr 10.43.0.20 tcp dport 80 ip saddr != 10.42.0.0/16 jump mark-for-masquerade")
        let pick = try #require(svc.rules.last)
        #expect(pick.hasPrefix("numgen random mod 2 vmap { 0 : goto endpoint-"))
        #expect(!F.allRules(rules).contains { $0.contains("10.42.0.9") }, "a not-ready endpoint gets no traffic")
        let ep = try #require(rules.chains.first { $0.key.hasSuffix("__10.42.0.5/8080") })
        #expect(ep.value == ["ip saddr 10.42.0.5 jump mark-for-masquerade", "meta l4proto tcp dnat to 10.42.0.5:8080"])
        #expect(rules.elements[.noEndpointServices] == nil)
    }

    @Test("terminating endpoints that still serve are used only when nothing is ready")
    func terminatingFallback() throws {
        let options = try F.options()
        let terminating = F.EP(ip: "10.42.0.5", ready: false, serving: true, terminating: true)
        let gone = F.EP(ip: "10.42.0.6", ready: false, serving: false, terminating: true)
        let only = ServiceRuleBuilder.rules(service: F.service("web"), slices: [F.slice("web", endpoints: [terminating, gone])], options: options)
        #expect(F.allRules(only).contains("meta l4proto tcp dnat to 10.42.0.5:8080"))
        #expect(!F.allRules(only).contains { $0.contains("10.42.0.6") })
        let mixed = ServiceRuleBuilder.rules(service: F.service("web"),
                                             slices: [F.slice("web", endpoints: [terminating, .init(ip: "10.42.0.8")])], options: options)
        #expect(!F.allRules(mixed).contains { $0.contains("10.42.0.5") })
        #expect(F.allRules(mixed).contains("meta l4proto tcp dnat to 10.42.0.8:8080"))
    }

    @Test("no endpoints: ClusterIP and NodePort keys go to the reject chain (refused at once), nothing is DNATed")
    func noEndpoints() throws {
        let rules = ServiceRuleBuilder.rules(service: F.service("web", type: "NodePort",
                                                                ports: [.init(name: "http", protocol: "TCP", port: 80, targetPort: 8080, nodePort: 30080)]),
                                             slices: [F.slice("web", endpoints: [.init(ip: "10.42.0.5", ready: false)])], options: try F.options())
        #expect(rules.chains.isEmpty)
        #expect(rules.elements[.noEndpointServices] == ["10.43.0.20 . tcp . 80": "goto reject-chain"])
        #expect(rules.elements[.noEndpointNodePorts] == ["tcp . 30080": "goto reject-chain"])
        #expect(rules.elements[.serviceIPs] == nil)
    }

    @Test("NodePort, externalIPs and load-balancer IPs go through the external chain, which masquerades and picks any endpoint")
    func externalTraffic() throws {
        let svc = F.service("web", type: "LoadBalancer", ports: [.init(name: "http", protocol: "TCP", port: 80, targetPort: 8080, nodePort: 30080)],
                            externalIPs: ["192.0.2.5", "not-an-ip"], lbIngress: ["198.51.100.7"])
        let rules = ServiceRuleBuilder.rules(service: svc, slices: [F.slice("web", endpoints: [.init(ip: "10.42.1.7", node: "node-b")])],
                                             options: try F.options())
        let ext = try #require(F.chain(rules, "external-"))
        let cluster = try #require(F.chain(rules, "service-"))
        #expect(ext.rules == ["jump mark-for-masquerade", "goto \(cluster.name)"])
        #expect(rules.elements[.serviceIPs]?["192.0.2.5 . tcp . 80"] == "goto \(ext.name)")
        #expect(rules.elements[.serviceIPs]?["198.51.100.7 . tcp . 80"] == "goto \(ext.name)")
        #expect(rules.elements[.serviceIPs]?["10.43.0.20 . tcp . 80"] == "goto \(cluster.name)")
        #expect(rules.elements[.serviceNodePorts] == ["tcp . 30080": "goto \(ext.name)"])
        #expect(rules.elements[.serviceIPs]?.count == 3, "the invalid externalIP is skipped")
    }

    @Test("loadBalancerSourceRanges: new connections to the load-balancer IPs from elsewhere are dropped before DNAT")
    func loadBalancerSourceRanges() throws {
        var svc = F.service("web", type: "LoadBalancer", ports: [.init(name: "http", protocol: "TCP", port: 80, targetPort: 8080, nodePort: 30080)],
                            lbIngress: ["198.51.100.7"])
        svc.spec?.loadBalancerSourceRanges = ["203.0.113.9/24", " 10.0.0.0/8", "fd00::/64"]
        let slices = [F.slice("web", endpoints: [.init(ip: "10.42.1.7", node: "node-b")])]
        let rules = ServiceRuleBuilder.rules(service: svc, slices: slices, options: try F.options())
        let firewall = try #require(F.chain(rules, "firewall-"))
        #expect(firewall.rules == ["ip saddr != { 203.0.113.0/24, 10.0.0.0/8 } drop"], "host bits masked, IPv6 left out")
        #expect(rules.elements[.firewallIPs] == ["198.51.100.7 . tcp . 80": "goto \(firewall.name)"])
        #expect(rules.elements[.serviceIPs]?["198.51.100.7 . tcp . 80"] != nil, "allowed clients are still DNATed as before")

        // A range holding the node lets the node reach the Service through the load-balancer IP itself.
        svc.spec?.loadBalancerSourceRanges = ["192.168.1.0/24"]
        let withNode = ServiceRuleBuilder.rules(service: svc, slices: slices, options: try F.options())
        #expect(F.chain(withNode, "firewall-")?.rules == ["ip saddr != { 192.168.1.0/24, 198.51.100.7 } drop"])

        // No ranges, or no load-balancer IP yet: no firewall.
        svc.spec?.loadBalancerSourceRanges = nil
        #expect(ServiceRuleBuilder.rules(service: svc, slices: slices, options: try F.options()).elements[.firewallIPs] == nil)
        var pending = F.service("web", type: "LoadBalancer", ports: svc.spec?.ports ?? [])
        pending.spec?.loadBalancerSourceRanges = ["10.0.0.0/8"]
        let noIP = ServiceRuleBuilder.rules(service: pending, slices: slices, options: try F.options())
        #expect(noIP.elements[.firewallIPs] == nil && F.chain(noIP, "firewall-") == nil)
    }

    @Test("externalTrafficPolicy Local: outside clients only reach local endpoints; pods and the node itself use any")
    func externalPolicyLocal() throws {
        let options = try F.options()
        let svc = F.service("web", type: "NodePort", ports: [.init(name: "http", protocol: "TCP", port: 80, targetPort: 8080, nodePort: 30080)],
                            externalPolicy: "Local")
        let both = ServiceRuleBuilder.rules(service: svc, slices: [F.slice("web", endpoints: [.init(ip: "10.42.0.5"), .init(ip: "10.42.1.7", node: "node-b")])],
                                            options: options)
        let ext = try #require(F.chain(both, "external-"))
        let cluster = try #require(F.chain(both, "service-"))
        let local = try #require(F.chain(both, "local-"))
        #expect(ext.rules == ["ip saddr 10.42.0.0/16 goto \(cluster.name)", "fib saddr type local jump mark-for-masquerade",
                              "fib saddr type local goto \(cluster.name)", "goto \(local.name)"])
        #expect(local.rules.count == 1 && local.rules[0].hasPrefix("numgen random mod 1 vmap"), "only the local endpoint, no masquerade")
        #expect(cluster.rules.last?.hasPrefix("numgen random mod 2") == true)

        let remoteOnly = ServiceRuleBuilder.rules(service: svc, slices: [F.slice("web", endpoints: [.init(ip: "10.42.1.7", node: "node-b")])],
                                                  options: options)
        let ext2 = try #require(F.chain(remoteOnly, "external-"))
        #expect(ext2.rules.last == "drop", "outside clients are dropped when no endpoint is local")
        #expect(F.chain(remoteOnly, "local-") == nil)
    }

    @Test("internalTrafficPolicy Local: ClusterIP goes to local endpoints; with endpoints only elsewhere it drops")
    func internalPolicyLocal() throws {
        let options = try F.options()
        let svc = F.service("web", internalPolicy: "Local")
        let local = ServiceRuleBuilder.rules(service: svc, slices: [F.slice("web", endpoints: [.init(ip: "10.42.0.5"), .init(ip: "10.42.1.7", node: "node-b")])],
                                             options: options)
        let chain = try #require(F.chain(local, "local-"))
        #expect(local.elements[.serviceIPs] == ["10.43.0.20 . tcp . 80": "goto \(chain.name)"])
        #expect(!F.allRules(local).contains { $0.contains("10.42.1.7") })
        #expect(F.chain(local, "service-") == nil)

        let remote = ServiceRuleBuilder.rules(service: svc, slices: [F.slice("web", endpoints: [.init(ip: "10.42.1.7", node: "node-b")])], options: options)
        #expect(remote.elements[.noEndpointServices] == ["10.43.0.20 . tcp . 80": "drop"])
        #expect(remote.chains.isEmpty)
    }

    @Test("sessionAffinity ClientIP: a dynamic set with the timeout per endpoint, checked before the random pick")
    func sessionAffinity() throws {
        let rules = ServiceRuleBuilder.rules(service: F.service("web", affinityTimeout: 600),
                                             slices: [F.slice("web", endpoints: [.init(ip: "10.42.0.5"), .init(ip: "10.42.0.6")])],
                                             options: try F.options())
        #expect(rules.affinitySets.count == 2)
        #expect(Set(rules.affinitySets.values) == [600])
        let svc = try #require(F.chain(rules, "service-"))
        #expect(svc.rules.count == 4)
        #expect(svc.rules[1].hasPrefix("ip saddr @affinity-") && svc.rules[1].contains(" goto endpoint-"))
        let ep = try #require(rules.chains.first { $0.key.hasSuffix("__10.42.0.5/8080") })
        #expect(ep.value[1].hasPrefix("update @affinity-") && ep.value[1].hasSuffix("{ ip saddr }"))
    }

    @Test("the cluster DNS service, headless, ExternalName and IPv6 services are not programmed")
    func skippedServices() throws {
        let options = try F.options()
        let slice = F.slice("x", endpoints: [.init(ip: "10.42.0.5")])
        #expect(ServiceRuleBuilder.rules(service: F.service("x", clusterIP: "10.43.0.10"), slices: [slice], options: options).isEmpty)
        #expect(ServiceRuleBuilder.rules(service: F.service("x", clusterIP: "None"), slices: [slice], options: options).isEmpty)
        #expect(ServiceRuleBuilder.rules(service: F.service("x", clusterIP: "fd00::10"), slices: [slice], options: options).isEmpty)
        #expect(ServiceRuleBuilder.rules(service: F.service("x", type: "ExternalName"), slices: [slice], options: options).isEmpty)
    }

    @Test("slice ports match the service port by name and protocol; several ports get separate chains")
    func multiplePorts() throws {
        let svc = F.service("web", ports: [.init(name: "http", protocol: "TCP", port: 80), .init(name: "dns", protocol: "UDP", port: 53)])
        var dns = F.slice("web", name: "web-dns", port: 5353, portName: "dns", endpoints: [.init(ip: "10.42.0.5")])
        dns.ports = [DiscoveryV1.EndpointPort(name: "dns", protocol: "UDP", port: 5353)]
        let rules = ServiceRuleBuilder.rules(service: svc, slices: [F.slice("web", endpoints: [.init(ip: "10.42.0.5")]), dns], options: try F.options())
        #expect(F.allRules(rules).contains("meta l4proto udp dnat to 10.42.0.5:5353"))
        #expect(F.allRules(rules).contains("meta l4proto tcp dnat to 10.42.0.5:8080"))
        #expect(rules.elements[.serviceIPs]?.keys.sorted() == ["10.43.0.20 . tcp . 80", "10.43.0.20 . udp . 53"])
    }

    @Test("bad options are refused with a message naming the value")
    func badOptions() {
        #expect(throws: ProxyConfigError.self) { try ProxyOptions(nodeName: "n", nodeIPs: ["fe80::1"]) }
        #expect(throws: ProxyConfigError.self) { try ProxyOptions(nodeName: "n", nodeIPs: [], clusterCIDR: "10.42.0.1/16") }
        #expect(throws: ProxyConfigError.self) { try ProxyOptions(nodeName: "n", nodeIPs: [], tableName: "bad table; flush ruleset") }
        #expect(throws: ProxyConfigError.self) { try ProxyOptions(nodeName: "", nodeIPs: []) }
        do {
            _ = try ProxyOptions(nodeName: "n", nodeIPs: [], clusterCIDR: "10.42.0.1/16")
        } catch {
            #expect("\(error)".contains("10.42.0.0/16"))
        }
        #expect(ProxyIPv4("010.1.1.1") == nil && ProxyIPv4("1.2.3") == nil && ProxyIPv4("256.1.1.1") == nil)
        #expect(ProxyIPv4("10.43.0.1")?.description == "10.43.0.1")
    }
}
