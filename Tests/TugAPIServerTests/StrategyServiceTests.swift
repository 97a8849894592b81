import Foundation
import Testing
import TugAPI
@testable import TugAPIServer

@Suite struct StrategyServiceTests {
    let strategy = ServiceStrategy(info: StrategyHarness.info("", "services"))

    func service(_ spec: [String: JSONValue], name: String = "web") -> JSONValue {
        ["apiVersion": "v1", "kind": "Service", "metadata": ["name": .string(name)], "spec": .object(spec)]
    }

    @Test func defaults() throws {
        let (s, errs) = try StrategyHarness.create(strategy, service(["selector": ["app": "web"], "ports": [["port": 80]]]))
        #expect(errs.isEmpty)
        let spec = try #require(s.spec)
        #expect(spec.type == "ClusterIP")
        #expect(spec.sessionAffinity == "None")
        #expect(spec.ports?[0].protocol == "TCP")
        #expect(spec.ports?[0].targetPort == .int(80))
        #expect(spec.internalTrafficPolicy == "Cluster")
        #expect(spec.ipFamilyPolicy == "SingleStack")
        #expect(spec.ipFamilies == ["IPv4"])
        #expect(spec.externalTrafficPolicy == nil)
        #expect(spec.clusterIP == nil)
        #expect(s.status == CoreV1.ServiceStatus(loadBalancer: CoreV1.LoadBalancerStatus()))
        #expect(strategy.allowCreateOnUpdate)
        let (lb, _) = try StrategyHarness.create(strategy, service(["type": "LoadBalancer", "ports": [["port": 443, "targetPort": "https"]]]))
        #expect(lb.spec?.externalTrafficPolicy == "Cluster")
        #expect(lb.spec?.allocateLoadBalancerNodePorts == true)
        #expect(lb.spec?.ports?[0].targetPort == .string("https"))
    }

    @Test func invalidServices() throws {
        let (_, errs) = try StrategyHarness.create(strategy, service([
            "type": "Magic",
            "ports": [["port": 0], ["name": "b", "port": 81, "protocol": "ICMP"]],
        ]))
        let fields = Set(errs.map(\.field))
        #expect(fields == ["spec.type", "spec.ports[0].name", "spec.ports[0].port", "spec.ports[0].targetPort", "spec.ports[1].protocol"])
        #expect(errs.first { $0.field == "spec.type" }?.description
            == "spec.type: Unsupported value: \"Magic\": supported values: \"ClusterIP\", \"ExternalName\", \"LoadBalancer\", \"NodePort\"")
        let (_, dup) = try StrategyHarness.create(strategy, service(["ports": [["name": "a", "port": 80], ["name": "b", "port": 80]]]))
        #expect(dup.map(\.field) == ["spec.ports[1]"])
        #expect(dup.first?.type == .duplicate)
        let (_, noPorts) = try StrategyHarness.create(strategy, service([:]))
        #expect(noPorts.map(\.field) == ["spec.ports"])
        let (_, nodePort) = try StrategyHarness.create(strategy, service(["ports": [["port": 80, "nodePort": 30080]]]))
        #expect(nodePort.map(\.description) == ["spec.ports[0].nodePort: Forbidden: may not be used when `type` is 'ClusterIP'"])
        let (_, name) = try StrategyHarness.create(strategy, service(["ports": [["port": 80]]], name: "1web"))
        #expect(name.map(\.field) == ["metadata.name"])
        let (_, external) = try StrategyHarness.create(strategy, service(["type": "ExternalName"]))
        #expect(external.map(\.field) == ["spec.externalName"])
    }

    @Test func clusterIPIsKeptAndImmutable() throws {
        let (old, _) = try StrategyHarness.create(strategy, service(["ports": [["port": 80]], "clusterIP": "10.96.0.10"]))
        #expect(old.spec?.clusterIPs == ["10.96.0.10"])
        let (kept, ok) = StrategyHarness.update(strategy, old: old) { s in
            s.spec?.clusterIP = nil
            s.spec?.clusterIPs = nil
        }
        #expect(ok.isEmpty)
        #expect(kept.spec?.clusterIP == "10.96.0.10")
        let (_, errs) = StrategyHarness.update(strategy, old: old) { s in
            s.spec?.clusterIP = "10.96.0.11"
            s.spec?.clusterIPs = ["10.96.0.11"]
        }
        #expect(errs.map(\.description) == ["spec.clusterIPs[0]: Invalid value: []string{\"10.96.0.11\"}: may not change once set"])
    }

    @Test func tableCells() throws {
        var (s, _) = try StrategyHarness.create(strategy, service([
            "type": "NodePort", "selector": ["app": "web"], "clusterIP": "10.96.0.10",
            "ports": [["port": 80, "nodePort": 30080], ["name": "dns", "port": 53, "protocol": "UDP"]],
        ]))
        #expect(StrategyHarness.cells(strategy, s) == ["web", "NodePort", "10.96.0.10", "<none>", "80:30080/TCP,53/UDP", "60m", "app=web"])
        s.spec?.type = "LoadBalancer"
        #expect(StrategyHarness.cells(strategy, s)[3] == "<pending>")
        s.status?.loadBalancer?.ingress = [CoreV1.LoadBalancerIngress(ip: "203.0.113.9")]
        #expect(StrategyHarness.cells(strategy, s)[3] == "203.0.113.9")
        #expect(strategy.selectableFields(s) == ["spec.clusterIP": "10.96.0.10", "spec.type": "LoadBalancer"])
    }
}
