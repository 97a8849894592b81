import Foundation
import Testing
import TugAPI
import TugClient
@testable import TugControllers

@Suite struct DeploymentControllerTests {
    typealias C = ControllerTestCluster

    func deployment(_ name: String, replicas: Int, deadline: Int? = nil) -> AppsV1.Deployment {
        var d = AppsV1.Deployment(metadata: MetaV1.ObjectMeta(name: name, namespace: "default"))
        var template = CoreV1.PodTemplateSpec()
        template.metadata.labels = ["app": name]
        template.spec = CoreV1.PodSpec(containers: [CoreV1.Container(name: "c", image: "nginx")])
        template.spec?.schedulerName = "none"
        d.spec = AppsV1.DeploymentSpec(replicas: replicas, selector: MetaV1.LabelSelector(matchLabels: ["app": name]), template: template)
        d.spec?.progressDeadlineSeconds = deadline
        return d
    }

    func progressing(_ c: C, _ name: String) async throws -> AppsV1.DeploymentCondition? {
        try await c.client.get(AppsV1.Deployment.self, namespace: "default", name: name).status?.conditions?.first { $0.type == "Progressing" }
    }

    /// Pods that never become ready: the rollout is marked failed once the deadline passes
    /// without progress, as `kubectl rollout status` then reports.
    @Test func aStalledRolloutExceedsItsProgressDeadline() async throws {
        let c = try await C.start()
        defer { c.stop() }
        _ = try await c.client.create(deployment("stuck", replicas: 2, deadline: 2))
        try await c.eventually("ReplicaSetUpdated") { try await progressing(c, "stuck")?.reason == "ReplicaSetUpdated" }
        // Both pods created (the last progress this rollout makes), so nothing moves it back.
        try await c.eventually("2 updated replicas") {
            try await c.client.get(AppsV1.Deployment.self, namespace: "default", name: "stuck").status?.updatedReplicas == 2
        }
        var exceeded: AppsV1.DeploymentCondition?
        try await c.eventually("ProgressDeadlineExceeded") {
            exceeded = try await progressing(c, "stuck")
            return exceeded?.reason == "ProgressDeadlineExceeded"
        }
        let cond = try #require(exceeded)
        #expect(cond.status == "False")
        #expect(cond.message?.hasSuffix("has timed out progressing.") == true)
        let events = try await c.client.list(CoreV1.Event.self, namespace: "default").items
        #expect(events.contains { $0.reason == "ProgressDeadlineExceeded" && $0.involvedObject?.name == "stuck" })

        // Progress (a pod turns ready) puts the rollout back to progressing.
        let pods = try await c.client.list(CoreV1.Pod.self, namespace: "default", labelSelector: "app=stuck").items
        _ = try await c.setStatus(try #require(pods.first?.metadata.name), ip: "10.0.0.9", ready: true)
        try await c.eventually("progressing again") { try await progressing(c, "stuck")?.reason == "ReplicaSetUpdated" }
    }

    @Test func pausingAndResumingShowInTheProgressingCondition() async throws {
        let c = try await C.start()
        defer { c.stop() }
        _ = try await c.client.create(deployment("p", replicas: 1))
        try await c.eventually("progressing") { try await progressing(c, "p") != nil }
        _ = try await c.client.patch(AppsV1.Deployment.self, namespace: "default", name: "p", ["spec": ["paused": true]])
        try await c.eventually("paused") { try await progressing(c, "p")?.reason == "DeploymentPaused" }
        #expect(try await progressing(c, "p")?.status == "Unknown")
        _ = try await c.client.patch(AppsV1.Deployment.self, namespace: "default", name: "p", ["spec": ["paused": false]])
        try await c.eventually("resumed") { try await progressing(c, "p")?.reason == "DeploymentResumed" }
    }
}

extension DeploymentControllerTests {
    /// An orphaned ReplicaSet that matches (left by `--cascade=orphan`) is adopted by a new
    /// Deployment with the same template instead of being duplicated.
    @Test func adoptsAMatchingOrphanReplicaSet() async throws {
        let c = try await C.start()
        defer { c.stop() }
        _ = try await c.client.create(deployment("web", replicas: 2))
        try await c.eventually("one ReplicaSet") {
            try await c.client.list(AppsV1.ReplicaSet.self, namespace: "default", labelSelector: "app=web").items.count == 1
        }
        _ = try await c.client.delete(AppsV1.Deployment.self, namespace: "default", name: "web", propagationPolicy: "Orphan")
        try await c.eventually("released") {
            let sets = try await c.client.list(AppsV1.ReplicaSet.self, namespace: "default", labelSelector: "app=web").items
            let gone = try await c.client.list(AppsV1.Deployment.self, namespace: "default").items.isEmpty
            return gone && sets.count == 1 && sets.allSatisfy { ($0.metadata.ownerReferences ?? []).isEmpty }
        }
        let again = try await c.client.create(deployment("web", replicas: 2))
        try await c.eventually("adopted") {
            let sets = try await c.client.list(AppsV1.ReplicaSet.self, namespace: "default", labelSelector: "app=web").items
            return sets.count == 1 && OwnerRefs.controller(of: sets[0].metadata)?.uid == again.metadata.uid
        }
        try await Task.sleep(for: .milliseconds(300))
        #expect(try await c.client.list(AppsV1.ReplicaSet.self, namespace: "default", labelSelector: "app=web").items.count == 1)
    }
}
