import Foundation
import Testing
import TugAPI
import TugClient
@testable import TugControllers

@Suite struct EndpointsControllerTests {
    typealias C = ControllerTestCluster

    func endpoints(_ c: C, _ name: String) async throws -> CoreV1.Endpoints? {
        do { return try await c.client.get(CoreV1.Endpoints.self, namespace: "default", name: name) } catch let e as APIError where e.code == 404 { return nil }
    }

    @Test func readyAndNotReadyPodsNamedPortsAndCleanup() async throws {
        let c = try await C.start()
        defer { c.stop() }
        let http = CoreV1.ContainerPort(name: "http", containerPort: 8080, protocol: "TCP")
        _ = try await c.client.create(C.pod("web-0", labels: ["app": "web"], ports: [http]))
        _ = try await c.client.create(C.pod("web-1", labels: ["app": "web"], ports: [http]))
        _ = try await c.client.create(C.pod("web-2", labels: ["app": "web"], ports: [http]))   // no IP: left out
        var named = C.pod("web-3", labels: ["app": "web"])                                     // no `http` port
        named.spec?.hostname = "h3"
        named.spec?.subdomain = "web"
        _ = try await c.client.create(named)
        _ = try await c.client.create(C.pod("other", labels: ["app": "other"], ports: [http]))
        try await c.setStatus("web-0", ip: "10.42.0.5", ready: true)
        try await c.setStatus("web-1", ip: "10.42.0.6", ready: false)
        try await c.setStatus("web-3", ip: "10.42.0.7", ready: true)
        try await c.setStatus("other", ip: "10.42.0.9", ready: true)

        let ports = [CoreV1.ServicePort(name: "http", protocol: "TCP", port: 80, targetPort: .string("http")),
                     CoreV1.ServicePort(name: "metrics", protocol: "TCP", port: 9090, targetPort: .int(9090))]
        var web = C.service("web", selector: ["app": "web"], ports: ports)
        web.spec?.clusterIP = "None"
        _ = try await c.client.create(web)
        func metrics() async throws -> CoreV1.EndpointSubset? {
            try await endpoints(c, "web")?.subsets?.first { $0.ports?.first?.name == "metrics" }
        }
        try await c.eventually("three pods behind the metrics port") {
            let m = try await metrics()
            return (m?.addresses?.count ?? 0) + (m?.notReadyAddresses?.count ?? 0) == 3
        }
        let ep = try #require(try await endpoints(c, "web"))
        let subsets = ep.subsets ?? []
        // Ports go together only when the same addresses serve them: web-3 lacks `http`.
        #expect(subsets.count == 2)
        let httpSubset = try #require(subsets.first { $0.ports?.first?.name == "http" })
        #expect(httpSubset.ports?.map { "\($0.name ?? ""):\($0.port ?? 0)/\($0.protocol ?? "")" } == ["http:8080/TCP"])
        #expect(httpSubset.addresses?.map(\.ip) == ["10.42.0.5"])
        #expect(httpSubset.notReadyAddresses?.map(\.ip) == ["10.42.0.6"])
        #expect(httpSubset.addresses?.first?.targetRef?.name == "web-0" && httpSubset.addresses?.first?.targetRef?.kind == "Pod")
        #expect(httpSubset.addresses?.first?.targetRef?.uid != nil)
        let m = try #require(subsets.first { $0.ports?.first?.name == "metrics" })
        #expect(m.ports?.map(\.port) == [9090])
        #expect(m.addresses?.map(\.ip) == ["10.42.0.5", "10.42.0.7"])
        #expect(m.notReadyAddresses?.map(\.ip) == ["10.42.0.6"])
        #expect(m.addresses?.last?.hostname == "h3")
        // The service's labels, headless as it has no cluster IP; the trigger time.
        #expect(ep.metadata.labels?["team"] == "blue")
        #expect(ep.metadata.labels?[ServiceEndpoints.headless] == "")
        #expect(ep.metadata.annotations?[ServiceEndpoints.lastChangeTriggerTime] != nil)
        #expect(ep.metadata.annotations?[ServiceEndpoints.overCapacity] == nil)

        // Readiness changes move the address; a deleted pod leaves.
        try await c.setStatus("web-1", ip: "10.42.0.6", ready: true)
        try await c.eventually("web-1 ready") { try await metrics()?.addresses?.count == 3 }
        try await c.client.delete(CoreV1.Pod.self, namespace: "default", name: "web-0")
        try await c.eventually("web-0 gone") {
            let ips = try await endpoints(c, "web")?.subsets?.flatMap { ($0.addresses ?? []).map(\.ip) }
            return ips.map(Set.init) == ["10.42.0.6", "10.42.0.7"]
        }

        // Deleting the service deletes its endpoints.
        try await c.client.delete(CoreV1.Service.self, namespace: "default", name: "web")
        try await c.eventually("endpoints deleted") { try await endpoints(c, "web") == nil }
    }

    @Test func selectorlessServiceKeepsUserEndpoints() async throws {
        let c = try await C.start()
        defer { c.stop() }
        _ = try await c.client.create(C.service("manual", selector: nil, ports: [CoreV1.ServicePort(port: 80)]))
        var ep = CoreV1.Endpoints(metadata: MetaV1.ObjectMeta(name: "manual", namespace: "default"))
        ep.subsets = [CoreV1.EndpointSubset(addresses: [CoreV1.EndpointAddress(ip: "192.0.2.10")], ports: [CoreV1.EndpointPort(port: 80)])]
        _ = try await c.client.create(ep)
        // And a selector service alongside, to know the controller has run.
        _ = try await c.client.create(C.service("auto", selector: ["app": "none"], ports: [CoreV1.ServicePort(port: 80)]))
        try await c.eventually("auto's endpoints") { try await endpoints(c, "auto") != nil }
        try await Task.sleep(for: .milliseconds(200))
        let kept = try #require(try await endpoints(c, "manual"))
        #expect(kept.subsets?.first?.addresses?.first?.ip == "192.0.2.10")
        #expect(kept.metadata.labels == nil)
        let auto = try #require(try await endpoints(c, "auto"))
        #expect(auto.subsets == nil)
    }

    @Test func publishNotReadyAddressesIncludesEverything() {
        var svc = C.service("s", selector: ["app": "a"], ports: [CoreV1.ServicePort(port: 80, targetPort: .int(80))])
        svc.spec?.publishNotReadyAddresses = true
        svc.spec?.clusterIP = "None"
        var p = C.pod("p", labels: ["app": "a"])
        p.status = CoreV1.PodStatus(phase: "Running", podIP: "10.0.0.1")
        p.metadata.deletionTimestamp = Time.now()
        let subsets = EndpointsController.subsets(for: svc, pods: [p])
        #expect(subsets.first?.addresses?.map(\.ip) == ["10.0.0.1"])
        svc.spec?.publishNotReadyAddresses = false
        #expect(EndpointsController.subsets(for: svc, pods: [p]).isEmpty, "terminating pods only with publishNotReadyAddresses")
        p.metadata.deletionTimestamp = nil
        p.status?.phase = "Succeeded"
        #expect(EndpointsController.subsets(for: svc, pods: [p]).isEmpty, "terminal pods never")
    }

    @Test func overCapacityIsTruncatedReadyFirst() {
        let ready = (0..<900).map { CoreV1.EndpointAddress(ip: "10.1.\($0 / 250).\($0 % 250)") }
        let notReady = (0..<300).map { CoreV1.EndpointAddress(ip: "10.2.\($0 / 250).\($0 % 250)") }
        var subsets = [CoreV1.EndpointSubset(addresses: ready, notReadyAddresses: notReady, ports: [CoreV1.EndpointPort(port: 80)])]
        #expect(EndpointSubsets.truncate(&subsets))
        #expect(subsets[0].addresses?.count == 900)
        #expect(subsets[0].notReadyAddresses?.count == 100)
        var small = [CoreV1.EndpointSubset(addresses: Array(ready.prefix(10)))]
        #expect(!EndpointSubsets.truncate(&small))
        // Over capacity with ready ones alone: each subset keeps its share, not-ready ones go.
        var two = [CoreV1.EndpointSubset(addresses: Array(ready.prefix(600)), ports: [CoreV1.EndpointPort(name: "a", port: 1)]),
                   CoreV1.EndpointSubset(addresses: Array(ready.suffix(600)), notReadyAddresses: notReady, ports: [CoreV1.EndpointPort(name: "b", port: 2)])]
        #expect(EndpointSubsets.truncate(&two))
        #expect(two.map { $0.addresses?.count ?? 0 } == [500, 500])
        #expect(two[1].notReadyAddresses == nil)
    }
}
