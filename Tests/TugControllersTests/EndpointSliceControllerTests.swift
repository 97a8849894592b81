import Foundation
import Testing
import TugAPI
import TugClient
@testable import TugControllers

@Suite struct EndpointSliceControllerTests {
    typealias C = ControllerTestCluster

    func slices(_ c: C, _ service: String) async throws -> [DiscoveryV1.EndpointSlice] {
        try await c.client.list(DiscoveryV1.EndpointSlice.self, namespace: "default", labelSelector: "kubernetes.io/service-name=\(service)").items
    }

    @Test func slicesFollowPodsWithConditionsAndUpdateInPlace() async throws {
        let c = try await C.start()
        defer { c.stop() }
        try await c.node("n1", labels: ["topology.kubernetes.io/zone": "zone-a"])
        let http = CoreV1.ContainerPort(name: "http", containerPort: 8080, protocol: "TCP")
        for name in ["web-0", "web-1", "web-2"] { _ = try await c.client.create(C.pod(name, labels: ["app": "web"], ports: [http], node: "n1")) }
        _ = try await c.client.create(C.pod("web-3", labels: ["app": "web"], ports: [http]))   // no IP yet
        try await c.setStatus("web-0", ip: "10.42.0.5", ready: true)
        try await c.setStatus("web-1", ip: "10.42.0.6", ready: false)
        try await c.setStatus("web-2", ip: "10.42.0.7", ready: true)

        let svc = try await c.client.create(C.service("web", selector: ["app": "web"],
                                                      ports: [CoreV1.ServicePort(name: "http", protocol: "TCP", port: 80, targetPort: .string("http"))]))
        try await c.eventually("a slice with three endpoints") { try await slices(c, "web").first?.endpoints?.count == 3 }
        let all = try await slices(c, "web")
        #expect(all.count == 1)
        let slice = try #require(all.first)
        let name = try #require(slice.metadata.name)
        #expect(name.hasPrefix("web-") && name.count > 4)
        #expect(slice.addressType == "IPv4")
        #expect(slice.metadata.labels?["endpointslice.kubernetes.io/managed-by"] == "endpointslice-controller.k8s.io")
        #expect(slice.metadata.labels?["team"] == "blue")
        let owner = try #require(slice.metadata.ownerReferences?.first)
        #expect(owner.kind == "Service" && owner.name == "web" && owner.uid == svc.metadata.uid && owner.controller == true)
        #expect(slice.ports == [DiscoveryV1.EndpointPort(name: "http", protocol: "TCP", port: 8080)])
        #expect(slice.metadata.annotations?[ServiceEndpoints.lastChangeTriggerTime] != nil)
        func endpoint(_ pod: String, in s: DiscoveryV1.EndpointSlice) -> DiscoveryV1.Endpoint? {
            s.endpoints?.first { $0.targetRef?.name == pod }
        }
        let e0 = try #require(endpoint("web-0", in: slice))
        #expect(e0.addresses == ["10.42.0.5"])
        #expect(e0.conditions == DiscoveryV1.EndpointConditions(ready: true, serving: true, terminating: false))
        #expect(e0.nodeName == "n1" && e0.zone == "zone-a")
        #expect(e0.targetRef?.kind == "Pod" && e0.targetRef?.uid != nil)
        #expect(endpoint("web-1", in: slice)?.conditions == DiscoveryV1.EndpointConditions(ready: false, serving: false, terminating: false))

        // A ready pod that starts terminating stays, serving but not ready; the slice is updated in place.
        try await c.client.delete(CoreV1.Pod.self, namespace: "default", name: "web-2")
        try await c.eventually("web-2 terminating") {
            try await slices(c, "web").first.flatMap { endpoint("web-2", in: $0) }?.conditions?.terminating == true
        }
        let after = try await slices(c, "web")
        #expect(after.map(\.metadata.name) == [name])
        #expect(endpoint("web-2", in: after[0])?.conditions == DiscoveryV1.EndpointConditions(ready: false, serving: true, terminating: true))

        // A pod losing the label leaves the slice.
        _ = try await c.client.patch(CoreV1.Pod.self, namespace: "default", name: "web-1", ["metadata": ["labels": ["app": "moved"]]])
        try await c.eventually("web-1 gone") { try await slices(c, "web").first.map { endpoint("web-1", in: $0) == nil } == true }
        #expect(try await slices(c, "web").map(\.metadata.name) == [name])

        // The service goes, its slices with it.
        try await c.client.delete(CoreV1.Service.self, namespace: "default", name: "web")
        try await c.eventually("slices deleted") { try await slices(c, "web").isEmpty }
    }

    @Test func serviceWithoutPodsGetsOnePlaceholder() async throws {
        let c = try await C.start()
        defer { c.stop() }
        _ = try await c.client.create(C.service("empty", selector: ["app": "none"], ports: [CoreV1.ServicePort(port: 80)]))
        _ = try await c.client.create(C.service("manual", selector: nil, ports: [CoreV1.ServicePort(port: 80)]))
        try await c.eventually("placeholder") { try await slices(c, "empty").count == 1 }
        try await Task.sleep(for: .milliseconds(300))
        let s = try await slices(c, "empty")
        #expect(s.count == 1)
        #expect(s.first?.endpoints == nil && s.first?.ports == nil)
        #expect(try await slices(c, "manual").isEmpty, "no slices for a service without selector")
    }

    // MARK: the reconciler alone (slice sizes, in-place updates, reuse)

    func service() -> CoreV1.Service {
        var s = C.service("svc", selector: ["app": "a"], ports: [])
        s.metadata.uid = "svc-uid"
        return s
    }

    func endpoints(_ range: Range<Int>) -> [DiscoveryV1.Endpoint] {
        range.map { i in
            DiscoveryV1.Endpoint(addresses: ["10.0.0.\(i)"], conditions: DiscoveryV1.EndpointConditions(ready: true, serving: true, terminating: false),
                                 targetRef: CoreV1.ObjectReference(kind: "Pod", namespace: "default", name: "p\(i)"))
        }
    }

    /// Gives planned creations names, as the server would.
    func applied(_ plan: EndpointSliceReconciler.Plan, to existing: [DiscoveryV1.EndpointSlice]) -> [DiscoveryV1.EndpointSlice] {
        var byName = Dictionary(uniqueKeysWithValues: existing.map { ($0.metadata.name!, $0) })
        for d in plan.delete { byName[d.metadata.name!] = nil }
        for u in plan.update { byName[u.metadata.name!] = u }
        for (i, var c) in plan.create.enumerated() {
            c.metadata.name = "svc-\(byName.count)-\(i)"
            byName[c.metadata.name!] = c
        }
        return Array(byName.values)
    }

    @Test func reconcilerPacksUpdatesInPlaceAndReuses() {
        let r = EndpointSliceReconciler(service: service(), maxEndpointsPerSlice: 2, triggerTime: nil)
        let meta = EndpointSliceReconciler.Meta(ports: [DiscoveryV1.EndpointPort(name: "", protocol: "TCP", port: 80)], addressType: "IPv4")
        let first = r.reconcile(desired: [meta: endpoints(0..<5)], existing: [])
        #expect(first.create.count == 3 && first.update.isEmpty && first.delete.isEmpty)
        #expect(first.create.allSatisfy { ($0.endpoints?.count ?? 0) <= 2 })
        #expect(first.create.allSatisfy { $0.metadata.generateName == "svc-" && $0.metadata.ownerReferences?.first?.uid == "svc-uid" })
        var state = applied(first, to: [])

        // One endpoint changes: only its slice is written.
        var changed = endpoints(0..<5)
        changed[3].conditions?.ready = false
        let second = r.reconcile(desired: [meta: changed], existing: state)
        #expect(second.create.isEmpty && second.delete.isEmpty && second.update.count == 1)
        #expect(second.update.first?.endpoints?.contains { $0.targetRef?.name == "p3" } == true)
        state = applied(second, to: state)

        // Nothing changes: nothing is written.
        #expect(r.reconcile(desired: [meta: changed], existing: state).isEmpty)

        // New ports: the old slices are reused (updated) rather than deleted and created.
        let meta2 = EndpointSliceReconciler.Meta(ports: [DiscoveryV1.EndpointPort(name: "", protocol: "TCP", port: 81)], addressType: "IPv4")
        let third = r.reconcile(desired: [meta2: endpoints(0..<4)], existing: state)
        #expect(third.create.isEmpty && third.update.count == 2 && third.delete.count == 1)
        #expect(third.update.allSatisfy { $0.ports?.first?.port == 81 && $0.metadata.name != nil })
        state = applied(third, to: state)

        // No endpoints at all: one placeholder, kept as is on the next pass.
        let fourth = r.reconcile(desired: [:], existing: state)
        #expect(fourth.create.isEmpty && fourth.update.count == 1 && fourth.delete.count == 1)
        #expect(fourth.update.first?.endpoints == nil && fourth.update.first?.ports == nil)
        state = applied(fourth, to: state)
        #expect(r.reconcile(desired: [:], existing: state).isEmpty)
    }
}
