import Foundation
import Testing
import TugAPI
import TugClient
@testable import TugControllers

@Suite struct ReplicaSetControllerTests {
    func replicaSet(_ name: String, replicas: Int) -> AppsV1.ReplicaSet {
        var rs = AppsV1.ReplicaSet(metadata: MetaV1.ObjectMeta())
        rs.metadata.name = name
        rs.metadata.namespace = "default"
        rs.spec = AppsV1.ReplicaSetSpec(replicas: replicas, selector: MetaV1.LabelSelector(matchLabels: ["app": name]),
                                        template: ControllerTestCluster.template(app: name))
        return rs
    }

    @Test func createsScalesAdoptsAndReports() async throws {
        let cluster = try await ControllerTestCluster.start()
        defer { cluster.stop() }
        let client = cluster.client
        // An orphan that matches is adopted rather than duplicated.
        var orphan = CoreV1.Pod(metadata: MetaV1.ObjectMeta())
        orphan.metadata.name = "stray"
        orphan.metadata.namespace = "default"
        orphan.metadata.labels = ["app": "web"]
        var c = CoreV1.Container()
        c.name = "app"
        c.image = "nginx"
        orphan.spec = CoreV1.PodSpec(containers: [c])
        orphan.spec?.schedulerName = "none"
        _ = try await client.create(orphan)

        let rs = try await client.create(replicaSet("web", replicas: 3))
        try await cluster.eventually("3 pods") { try await cluster.pods("app=web").count == 3 }
        try await Task.sleep(for: .milliseconds(200))
        let owned = try await cluster.pods("app=web")
        #expect(owned.count == 3, "no more than the replicas")
        #expect(owned.allSatisfy { OwnerRefs.controller(of: $0.metadata)?.uid == rs.metadata.uid })
        #expect(owned.contains { $0.metadata.name == "stray" })
        #expect(owned.filter { $0.metadata.name != "stray" }.allSatisfy { $0.metadata.generateName == "web-" })
        try await cluster.eventually("status.replicas 3") {
            try await client.get(AppsV1.ReplicaSet.self, namespace: "default", name: "web").status?.replicas == 3
        }

        // Two pods report Ready: the set's readyReplicas and availableReplicas follow.
        for var p in owned.prefix(2) {
            var s = p.status ?? CoreV1.PodStatus()
            s.phase = "Running"
            s.conditions = [CoreV1.PodCondition(type: "Ready", status: "True", lastTransitionTime: Time.now())]
            p.status = s
            _ = try await client.updateStatus(p)
        }
        try await cluster.eventually("readyReplicas 2") {
            let st = try await client.get(AppsV1.ReplicaSet.self, namespace: "default", name: "web").status
            return st?.readyReplicas == 2 && st?.availableReplicas == 2 && st?.observedGeneration == 1
        }

        // Scale down: the not-ready pod goes first.
        let notReady = owned.dropFirst(2).first!.metadata.name!
        _ = try await client.patch(AppsV1.ReplicaSet.self, namespace: "default", name: "web", ["spec": ["replicas": 2]])
        try await cluster.eventually("2 pods") { try await cluster.pods("app=web").count == 2 }
        #expect(try await !cluster.pods("app=web").contains { $0.metadata.name == notReady })

        // A deleted pod is replaced.
        let victim = try await cluster.pods("app=web").first!.metadata.name!
        try await client.delete(CoreV1.Pod.self, namespace: "default", name: victim)
        try await cluster.eventually("a replacement") {
            let now = try await cluster.pods("app=web")
            return now.count == 2 && !now.contains { $0.metadata.name == victim }
        }
    }

    /// `kubectl describe rs` shows what the controller did.
    @Test func recordsCreateAndDeleteEvents() async throws {
        let cluster = try await ControllerTestCluster.start()
        defer { cluster.stop() }
        let client = cluster.client
        var rs = replicaSet("ev", replicas: 2)
        rs.spec?.template?.spec?.schedulerName = "none"
        _ = try await client.create(rs)
        try await cluster.eventually("2 pods") { try await cluster.pods("app=ev").count == 2 }
        _ = try await client.patch(AppsV1.ReplicaSet.self, namespace: "default", name: "ev", ["spec": ["replicas": 1]])
        try await cluster.eventually("events") {
            let events = try await client.list(CoreV1.Event.self, namespace: "default").items.filter { $0.involvedObject?.name == "ev" }
            let created = events.filter { $0.reason == "SuccessfulCreate" && ($0.message ?? "").hasPrefix("Created pod: ev-") }
            let deleted = events.filter { $0.reason == "SuccessfulDelete" && ($0.message ?? "").hasPrefix("Deleted pod: ev-") }
            return created.count == 2 && deleted.count == 1 && events.allSatisfy { $0.source?.component == "replicaset-controller" }
        }
    }
}
