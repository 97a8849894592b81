import Foundation
import Testing
import TugAPI
import TugClient
@testable import TugControllers

@Suite struct StatefulSetControllerTests {
    func statefulSet(_ name: String, replicas: Int, policy: String = "OrderedReady", claims: Bool = false) -> AppsV1.StatefulSet {
        var s = AppsV1.StatefulSet(metadata: MetaV1.ObjectMeta())
        s.metadata.name = name
        s.metadata.namespace = "default"
        var spec = AppsV1.StatefulSetSpec()
        spec.replicas = replicas
        spec.selector = MetaV1.LabelSelector(matchLabels: ["app": name])
        spec.template = ControllerTestCluster.template(app: name)
        spec.serviceName = name
        spec.podManagementPolicy = policy
        if claims {
            var claim = CoreV1.PersistentVolumeClaim(metadata: MetaV1.ObjectMeta())
            claim.metadata.name = "www"
            claim.spec = CoreV1.PersistentVolumeClaimSpec()
            claim.spec?.accessModes = ["ReadWriteOnce"]
            claim.spec?.resources = CoreV1.VolumeResourceRequirements(requests: ["storage": Quantity("1Gi")])
            spec.volumeClaimTemplates = [claim]
            var mount = CoreV1.VolumeMount()
            mount.name = "www"
            mount.mountPath = "/data"
            spec.template?.spec?.containers?[0].volumeMounts = [mount]
        }
        s.spec = spec
        return s
    }

    func status(_ c: ControllerTestCluster, _ name: String) async throws -> AppsV1.StatefulSetStatus? {
        try await c.client.get(AppsV1.StatefulSet.self, namespace: "default", name: name).status
    }

    @Test func orderedReadyCreatesInOrderWithIdentityAndClaims() async throws {
        let c = try await ControllerTestCluster.start()
        defer { c.stop() }
        let set = try await c.client.create(statefulSet("web", replicas: 3, claims: true))

        try await c.eventually("web-0") { try await c.pod("web-0") != nil }
        let web0 = try #require(try await c.pod("web-0"))
        #expect(OwnerRefs.controller(of: web0.metadata)?.uid == set.metadata.uid)
        #expect(web0.spec?.hostname == "web-0")
        #expect(web0.spec?.subdomain == "web")
        #expect(web0.metadata.labels?[StatefulSetIdentity.podNameLabel] == "web-0")
        #expect(web0.metadata.labels?[StatefulSetIdentity.podIndexLabel] == "0")
        let revision = try #require(web0.metadata.labels?[StatefulSetIdentity.revisionLabel])
        #expect(revision.hasPrefix("web-"))
        #expect(web0.spec?.volumes?.first { $0.name == "www" }?.persistentVolumeClaim?.claimName == "www-web-0")
        let claim = try await c.client.get(CoreV1.PersistentVolumeClaim.self, namespace: "default", name: "www-web-0")
        #expect(claim.metadata.labels?["app"] == "web")

        // web-1 waits for web-0 to be Running and Ready.
        try await Task.sleep(for: .milliseconds(300))
        #expect(try await c.pod("web-1") == nil)
        try await c.setRunning("web-0", ready: false)
        try await Task.sleep(for: .milliseconds(300))
        #expect(try await c.pod("web-1") == nil, "Running but not Ready is not enough")
        try await c.setRunning("web-0")
        try await c.eventually("web-1") { try await c.pod("web-1") != nil }
        try await Task.sleep(for: .milliseconds(300))
        #expect(try await c.pod("web-2") == nil)
        try await c.setRunning("web-1")
        try await c.eventually("web-2") { try await c.pod("web-2") != nil }
        try await c.setRunning("web-2")

        try await c.eventually("status: 3 ready at one revision") {
            let s = try await status(c, "web")
            return s?.replicas == 3 && s?.readyReplicas == 3 && s?.availableReplicas == 3 && s?.updatedReplicas == 3
                && s?.currentRevision == revision && s?.updateRevision == revision && s?.observedGeneration == 1
        }
        let revisions = try await c.client.list(AppsV1.ControllerRevision.self, namespace: "default").items
        #expect(revisions.map(\.metadata.name) == [revision])
        #expect(revisions.first?.revision == 1)
        #expect(ControllerHistory.template(of: try #require(revisions.first)) == set.spec?.template)
        let events = try await c.client.list(CoreV1.Event.self, namespace: "default").items
        #expect(events.contains { $0.reason == "SuccessfulCreate" && $0.message == "create Pod web-0 in StatefulSet web successful" })

        // A failed pod comes back under the same name, and keeps its claim.
        try await c.setPhase("web-1", "Failed")
        let failedUID = try await c.pod("web-1")?.metadata.uid
        try await c.eventually("web-1 recreated") {
            let p = try await c.pod("web-1")
            return p != nil && p?.metadata.uid != failedUID
        }
        #expect(try await c.pod("web-1")?.spec?.volumes?.first { $0.name == "www" }?.persistentVolumeClaim?.claimName == "www-web-1")
    }

    @Test func scaleDownGoesFromTheTopOneAtATimeAndKeepsClaims() async throws {
        let c = try await ControllerTestCluster.start()
        defer { c.stop() }
        _ = try await c.client.create(statefulSet("db", replicas: 3, claims: true))
        for i in 0..<3 {
            try await c.eventually("db-\(i)") { try await c.pod("db-\(i)") != nil }
            try await c.setRunning("db-\(i)")
        }
        try await c.eventually("3 ready") { try await status(c, "db")?.readyReplicas == 3 }
        let (log, watch) = await PodEventLog.watch(c.client)
        defer { watch.cancel() }

        // While db-0 is not ready, OrderedReady does not scale down.
        try await c.setRunning("db-0", ready: false)
        _ = try await c.client.patch(AppsV1.StatefulSet.self, namespace: "default", name: "db", ["spec": ["replicas": 1]])
        try await Task.sleep(for: .milliseconds(400))
        #expect(try await c.pods("app=db").count == 3)

        try await c.setRunning("db-0")
        try await c.eventually("only db-0 left") { try await c.pods("app=db").map(\.metadata.name) == ["db-0"] }
        try await c.eventually("two deletions seen") { await log.deleted.count == 2 }
        #expect(await log.deleted == ["db-2", "db-1"])
        // Claims stay for a later scale up.
        let claims = try await c.client.list(CoreV1.PersistentVolumeClaim.self, namespace: "default").items.compactMap(\.metadata.name)
        #expect(Set(claims) == ["www-db-0", "www-db-1", "www-db-2"])
        try await c.eventually("status replicas 1") { try await status(c, "db")?.replicas == 1 }
    }

    @Test func parallelCreatesAllAtOnceAndOrdinalsStart() async throws {
        let c = try await ControllerTestCluster.start()
        defer { c.stop() }
        var set = statefulSet("par", replicas: 3, policy: "Parallel")
        set.spec?.ordinals = AppsV1.StatefulSetOrdinals(start: 5)
        _ = try await c.client.create(set)
        // None is Ready, yet all three exist.
        try await c.eventually("3 pods") { try await c.pods("app=par").count == 3 }
        #expect(Set(try await c.pods("app=par").compactMap(\.metadata.name)) == ["par-5", "par-6", "par-7"])
        #expect(try await c.pod("par-7")?.metadata.labels?[StatefulSetIdentity.podIndexLabel] == "7")
        _ = try await c.client.patch(AppsV1.StatefulSet.self, namespace: "default", name: "par", ["spec": ["replicas": 1]])
        try await c.eventually("1 pod") { try await c.pods("app=par").compactMap(\.metadata.name) == ["par-5"] }
    }

    @Test func claimsOfRemovedOrdinalsGoWhenTheRetentionPolicySaysDelete() async throws {
        let c = try await ControllerTestCluster.start()
        defer { c.stop() }
        var set = statefulSet("tmp", replicas: 2, policy: "Parallel", claims: true)
        set.spec?.persistentVolumeClaimRetentionPolicy = AppsV1.StatefulSetPersistentVolumeClaimRetentionPolicy(whenDeleted: "Retain", whenScaled: "Delete")
        _ = try await c.client.create(set)
        func claims() async throws -> Set<String> {
            Set(try await c.client.list(CoreV1.PersistentVolumeClaim.self, namespace: "default").items.compactMap(\.metadata.name))
        }
        try await c.eventually("2 claims") { try await claims() == ["www-tmp-0", "www-tmp-1"] }
        _ = try await c.client.patch(AppsV1.StatefulSet.self, namespace: "default", name: "tmp", ["spec": ["replicas": 1]])
        try await c.eventually("tmp-1 and its claim gone") {
            let pod = try await c.pod("tmp-1"), left = try await claims()
            return pod == nil && left == ["www-tmp-0"]
        }
    }

    @Test func onDeleteUpdatesOnlyPodsDeletedByHand() async throws {
        let c = try await ControllerTestCluster.start()
        defer { c.stop() }
        var set = statefulSet("od", replicas: 2, policy: "Parallel")
        set.spec?.updateStrategy = AppsV1.StatefulSetUpdateStrategy(type: "OnDelete")
        _ = try await c.client.create(set)
        try await c.eventually("2 pods") { try await c.pods("app=od").count == 2 }
        for name in ["od-0", "od-1"] { try await c.setRunning(name) }
        let old = try #require(try await c.pod("od-1")?.metadata.labels?[StatefulSetIdentity.revisionLabel])
        _ = try await c.client.patch(AppsV1.StatefulSet.self, namespace: "default", name: "od",
                                     ["spec": ["template": ["spec": ["containers": [["name": "app", "image": "nginx:2"]]]]]])
        try await c.eventually("the update revision") { try await status(c, "od")?.updateRevision.map { $0 != old } == true }
        try await Task.sleep(for: .milliseconds(300))
        #expect(try await c.pods("app=od").allSatisfy { $0.metadata.labels?[StatefulSetIdentity.revisionLabel] == old })
        try await c.client.delete(CoreV1.Pod.self, namespace: "default", name: "od-1")
        try await c.eventually("od-1 recreated at the new revision") {
            try await c.pod("od-1")?.spec?.containers?.first?.image == "nginx:2"
        }
        #expect(try await c.pod("od-0")?.metadata.labels?[StatefulSetIdentity.revisionLabel] == old)
    }

    @Test func partitionedRollingUpdateGoesFromTheTop() async throws {
        let c = try await ControllerTestCluster.start()
        defer { c.stop() }
        _ = try await c.client.create(statefulSet("ru", replicas: 3))
        for i in 0..<3 {
            try await c.eventually("ru-\(i)") { try await c.pod("ru-\(i)") != nil }
            try await c.setRunning("ru-\(i)")
        }
        try await c.eventually("3 ready") { try await status(c, "ru")?.readyReplicas == 3 }
        let oldRevision = try #require(try await status(c, "ru")?.currentRevision)

        _ = try await c.client.patch(AppsV1.StatefulSet.self, namespace: "default", name: "ru", [
            "spec": ["updateStrategy": ["type": "RollingUpdate", "rollingUpdate": ["partition": 1]],
                     "template": ["spec": ["containers": [["name": "app", "image": "nginx:2"]]]]],
        ])
        try await c.eventually("a new update revision") {
            let s = try await status(c, "ru")
            return s?.updateRevision != nil && s?.updateRevision != oldRevision
        }
        let newRevision = try #require(try await status(c, "ru")?.updateRevision)
        func revision(_ name: String) async throws -> String? { try await c.pod(name)?.metadata.labels?[StatefulSetIdentity.revisionLabel] }

        // ru-2 first; ru-1 only once ru-2 is back and Ready.
        try await c.eventually("ru-2 updated") { try await revision("ru-2") == newRevision }
        #expect(try await c.pod("ru-2")?.spec?.containers?.first?.image == "nginx:2")
        try await Task.sleep(for: .milliseconds(300))
        #expect(try await revision("ru-1") == oldRevision)
        try await c.setRunning("ru-2")
        try await c.eventually("ru-1 updated") { try await revision("ru-1") == newRevision }
        try await c.setRunning("ru-1")
        try await c.eventually("partitioned status") {
            let s = try await status(c, "ru")
            return s?.updatedReplicas == 2 && s?.currentReplicas == 1 && s?.readyReplicas == 3 && s?.currentRevision == oldRevision
        }
        #expect(try await revision("ru-0") == oldRevision, "below the partition")

        // Partition 0 finishes the rollout; the update becomes the current revision.
        _ = try await c.client.patch(AppsV1.StatefulSet.self, namespace: "default", name: "ru",
                                     ["spec": ["updateStrategy": ["rollingUpdate": ["partition": 0]]]])
        try await c.eventually("ru-0 updated") { try await revision("ru-0") == newRevision }
        try await c.setRunning("ru-0")
        try await c.eventually("rollout complete") {
            let s = try await status(c, "ru")
            return s?.currentRevision == newRevision && s?.updatedReplicas == 3 && s?.currentReplicas == 3
        }
        let revisions = try await c.client.list(AppsV1.ControllerRevision.self, namespace: "default").items
        #expect(Set(revisions.map { "\($0.metadata.name ?? ""):\($0.revision ?? 0)" }) == ["\(oldRevision):1", "\(newRevision):2"])

        // Rolling back (as kubectl rollout undo does, by applying the old revision's data) renumbers it.
        let old = try #require(revisions.first { $0.metadata.name == oldRevision })
        _ = try await c.client.patch(AppsV1.StatefulSet.self, namespace: "default", name: "ru", try #require(old.data), as: .strategic)
        try await c.eventually("old revision renumbered 3") {
            try await c.client.get(AppsV1.ControllerRevision.self, namespace: "default", name: oldRevision).revision == 3
        }
        try await c.eventually("ru-2 back at the old revision") { try await revision("ru-2") == oldRevision }
    }
}
