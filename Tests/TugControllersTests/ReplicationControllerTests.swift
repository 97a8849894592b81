import Foundation
import Testing
import TugAPI
import TugClient
@testable import TugControllers

@Suite struct ReplicationControllerTests {
    typealias C = ControllerTestCluster

    func rc(_ name: String, replicas: Int) -> CoreV1.ReplicationController {
        var rc = CoreV1.ReplicationController(metadata: MetaV1.ObjectMeta(name: name, namespace: "default"))
        var template = CoreV1.PodTemplateSpec()
        template.metadata.labels = ["app": name]
        var c = CoreV1.Container()
        c.name = "app"
        c.image = "nginx"
        template.spec = CoreV1.PodSpec(containers: [c])
        template.spec?.schedulerName = "none"
        rc.spec = CoreV1.ReplicationControllerSpec(replicas: replicas, selector: ["app": name], template: template)
        return rc
    }

    func pods(_ c: C, _ app: String) async throws -> [CoreV1.Pod] {
        try await c.client.list(CoreV1.Pod.self, namespace: "default", labelSelector: "app=\(app)").items.filter { $0.metadata.deletionTimestamp == nil }
    }

    @Test func runsScalesAndReportsLikeAReplicaSet() async throws {
        let c = try await C.start()
        defer { c.stop() }
        // A matching orphan is adopted.
        _ = try await c.client.create(C.pod("stray", labels: ["app": "web"]))
        let created = try await c.client.create(rc("web", replicas: 2))
        try await c.eventually("2 pods") { try await pods(c, "web").count == 2 }
        try await Task.sleep(for: .milliseconds(200))
        let owned = try await pods(c, "web")
        #expect(owned.count == 2)
        #expect(owned.contains { $0.metadata.name == "stray" })
        #expect(owned.allSatisfy { p in
            let ref = OwnerRefs.controller(of: p.metadata)
            return ref?.kind == "ReplicationController" && ref?.apiVersion == "v1" && ref?.uid == created.metadata.uid
        })
        try await c.eventually("status.replicas 2") {
            let s = try await c.client.get(CoreV1.ReplicationController.self, namespace: "default", name: "web").status
            return s?.replicas == 2 && s?.fullyLabeledReplicas == 2 && s?.observedGeneration == 1
        }

        // Ready pods are reported; scaling up and down follows spec.replicas.
        for p in owned { try await c.setStatus(p.metadata.name!, ip: nil, ready: true) }
        try await c.eventually("readyReplicas 2") {
            let s = try await c.client.get(CoreV1.ReplicationController.self, namespace: "default", name: "web").status
            return s?.readyReplicas == 2 && s?.availableReplicas == 2
        }
        _ = try await c.client.patch(CoreV1.ReplicationController.self, namespace: "default", name: "web", ["spec": ["replicas": 3]])
        try await c.eventually("3 pods") { try await pods(c, "web").count == 3 }
        _ = try await c.client.patch(CoreV1.ReplicationController.self, namespace: "default", name: "web", ["spec": ["replicas": 1]])
        try await c.eventually("1 pod") { try await pods(c, "web").count == 1 }
        // The not-ready newcomer went first.
        let survivor = try #require(try await pods(c, "web").first)
        #expect(PodState.isReady(survivor))
        try await c.eventually("status.replicas 1") {
            try await c.client.get(CoreV1.ReplicationController.self, namespace: "default", name: "web").status?.replicas == 1
        }
    }

    @Test func mapSelectorMatchesByEquality() throws {
        var r = rc("x", replicas: 1)
        #expect(try r.podSelector().matches(labels: ["app": "x", "extra": "1"]))
        #expect(try !r.podSelector().matches(labels: ["app": "y"]))
        r.spec?.selector = [:]
        #expect(try !r.podSelector().matches(labels: ["app": "x"]), "an empty map selects nothing")
        r.replicaCounts.readyReplicas = 4
        #expect(r.status?.readyReplicas == 4)
    }
}
