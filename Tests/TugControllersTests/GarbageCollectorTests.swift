import Foundation
import Testing
import TugAPI
import TugClient
@testable import TugControllers

/// The collector follows every kind it is given, whatever the owner's kind.
@Suite struct GarbageCollectorTests {
    typealias C = ControllerTestCluster

    func configMapOwned(by owner: MetaV1.OwnerReference, name: String) -> CoreV1.Pod {
        var p = C.pod(name, labels: ["owned": "yes"])
        p.metadata.ownerReferences = [owner]
        return p
    }

    func livePods(_ c: C) async throws -> [String] {
        try await c.client.list(CoreV1.Pod.self, namespace: "default", labelSelector: "owned=yes").items
            .filter { $0.metadata.deletionTimestamp == nil }.compactMap(\.metadata.name).sorted()
    }

    @Test func dependentsOfAnyFollowedKindAreCollected() async throws {
        let c = try await C.start()
        defer { c.stop() }
        // Pods owned by a Service (any followed kind will do) and by a kind the collector does not follow.
        let svc = try await c.client.create(C.service("owner", selector: nil, ports: [CoreV1.ServicePort(port: 80)]))
        let ref = MetaV1.OwnerReference(apiVersion: "v1", kind: "Service", name: "owner", uid: svc.metadata.uid)
        _ = try await c.client.create(configMapOwned(by: ref, name: "a"))
        _ = try await c.client.create(configMapOwned(by: ref, name: "b"))
        let foreign = MetaV1.OwnerReference(apiVersion: "example.com/v1", kind: "Widget", name: "w", uid: "no-such-uid")
        _ = try await c.client.create(configMapOwned(by: foreign, name: "kept"))
        // An owner reference to a deleted object (wrong uid) is collected at once.
        let stale = MetaV1.OwnerReference(apiVersion: "v1", kind: "Service", name: "owner", uid: "old-uid")
        _ = try await c.client.create(configMapOwned(by: stale, name: "stale"))
        try await c.eventually("the stale dependent collected") { try await livePods(c) == ["a", "b", "kept"] }

        _ = try await c.client.delete(CoreV1.Service.self, namespace: "default", name: "owner")
        try await c.eventually("the service's pods collected") { try await livePods(c) == ["kept"] }
        try await Task.sleep(for: .milliseconds(300))
        #expect(try await livePods(c) == ["kept"], "an owner of a kind not followed is never assumed gone")
    }

    @Test func foregroundAndOrphanWorkForReplicationControllers() async throws {
        let c = try await C.start()
        defer { c.stop() }
        var rc = CoreV1.ReplicationController(metadata: MetaV1.ObjectMeta(name: "rc", namespace: "default"))
        var template = CoreV1.PodTemplateSpec()
        template.metadata.labels = ["owned": "yes"]
        template.spec = CoreV1.PodSpec(containers: [CoreV1.Container(name: "c", image: "nginx")])
        template.spec?.schedulerName = "none"
        rc.spec = CoreV1.ReplicationControllerSpec(replicas: 2, selector: ["owned": "yes"], template: template)
        _ = try await c.client.create(rc)
        try await c.eventually("2 pods") { try await livePods(c).count == 2 }
        _ = try await c.client.delete(CoreV1.ReplicationController.self, namespace: "default", name: "rc", propagationPolicy: "Orphan")
        try await c.eventually("the rc gone, its pods released") {
            let pods = try await c.client.list(CoreV1.Pod.self, namespace: "default", labelSelector: "owned=yes").items
            let rcs = try await c.client.list(CoreV1.ReplicationController.self, namespace: "default").items
            return rcs.isEmpty && pods.count == 2 && pods.allSatisfy { ($0.metadata.ownerReferences ?? []).isEmpty }
        }
        // A new rc adopts them; deleting it in the foreground takes them along first.
        _ = try await c.client.create(rc)
        try await c.eventually("adopted") {
            try await c.client.list(CoreV1.Pod.self, namespace: "default", labelSelector: "owned=yes").items
                .allSatisfy { OwnerRefs.controller(of: $0.metadata)?.kind == "ReplicationController" }
        }
        _ = try await c.client.delete(CoreV1.ReplicationController.self, namespace: "default", name: "rc", propagationPolicy: "Foreground")
        try await c.eventually("rc and pods gone") {
            let pods = try await c.client.list(CoreV1.Pod.self, namespace: "default", labelSelector: "owned=yes").items
            let rcs = try await c.client.list(CoreV1.ReplicationController.self, namespace: "default").items
            return rcs.isEmpty && pods.isEmpty
        }
    }
}
