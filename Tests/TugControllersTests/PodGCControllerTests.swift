import Foundation
import Testing
import TugAPI
import TugClient
@testable import TugControllers

@Suite struct PodGCControllerTests {
    typealias C = ControllerTestCluster

    func pod(_ c: C, _ name: String) async throws -> CoreV1.Pod? {
        do { return try await c.client.get(CoreV1.Pod.self, namespace: "default", name: name) } catch let e as APIError where e.code == 404 { return nil }
    }

    @Test func terminatedPodsBeyondThresholdGoOldestAndEvictedFirst() async throws {
        let c = try await C.start(terminatedPodThreshold: 2, podGCPeriod: .milliseconds(200))
        defer { c.stop() }
        for name in ["t0", "t1", "t2", "z-running"] { _ = try await c.client.create(C.pod(name, labels: ["app": "batch"])) }
        // The evicted one first (in one write), so that it is always among the terminated.
        var evicted = try await c.client.get(CoreV1.Pod.self, namespace: "default", name: "t2")
        evicted.status = CoreV1.PodStatus(phase: "Failed", reason: "Evicted")
        _ = try await c.client.updateStatus(evicted)
        try await c.setStatus("t0", ip: nil, ready: false, phase: "Succeeded")
        try await c.setStatus("t1", ip: nil, ready: false, phase: "Failed")
        try await c.setStatus("z-running", ip: nil, ready: true)
        // Three terminated, two kept: the evicted one goes although it is the newest.
        try await c.eventually("t2 collected") { try await pod(c, "t2") == nil }
        try await Task.sleep(for: .milliseconds(600))
        let kept = try await [pod(c, "t0"), pod(c, "t1"), pod(c, "z-running")]
        #expect(kept.allSatisfy { $0 != nil })
        // One more terminates: now the oldest goes.
        try await c.setStatus("z-running", ip: nil, ready: false, phase: "Succeeded")
        try await c.eventually("t0 collected") { try await pod(c, "t0") == nil }
        let left = try await [pod(c, "t1"), pod(c, "z-running")]
        #expect(left.allSatisfy { $0 != nil })
    }

    @Test func orphanedAndOutOfServicePodsAreForceDeleted() async throws {
        let c = try await C.start(podGCQuarantine: .milliseconds(600), podGCPeriod: .milliseconds(200))
        defer { c.stop() }
        try await c.node("n1")
        var gone = C.pod("orphan", labels: [:], node: "ghost")
        gone.metadata.finalizers = ["example.com/hold"]     // keeps it readable after the forced delete
        _ = try await c.client.create(gone)
        try await c.setStatus("orphan", ip: nil, ready: true)
        _ = try await c.client.create(C.pod("bound", labels: [:], node: "n1"))
        try await c.eventually("orphan marked and deleted") {
            guard let p = try await pod(c, "orphan") else { return false }
            return p.metadata.deletionTimestamp != nil
        }
        let p = try #require(try await pod(c, "orphan"))
        #expect(p.status?.phase == "Failed")
        let condition = p.status?.conditions?.first { $0.type == "DisruptionTarget" }
        #expect(condition?.status == "True" && condition?.reason == "DeletionByPodGC" && condition?.message == "PodGC: node no longer exists")
        #expect(p.status?.conditions?.contains { $0.type == "Ready" } == true, "other conditions stay")
        #expect(try await pod(c, "bound")?.metadata.deletionTimestamp == nil)
        _ = try await c.client.patch(CoreV1.Pod.self, namespace: "default", name: "orphan", ["metadata": ["finalizers": .null]])

        // A terminating pod on a NotReady node tainted out-of-service is removed without waiting for its grace period.
        var n2 = CoreV1.Node(metadata: MetaV1.ObjectMeta(name: "n2"))
        n2.spec = CoreV1.NodeSpec(taints: [CoreV1.Taint(key: PodGCController.outOfServiceTaint, value: "nodeshutdown", effect: "NoExecute")])
        n2.status = CoreV1.NodeStatus(conditions: [CoreV1.NodeCondition(type: "Ready", status: "False", lastHeartbeatTime: Time.now())])
        _ = try await c.client.create(n2)
        var stuck = C.pod("stuck", labels: [:], node: "n2")
        stuck.spec?.tolerations = [CoreV1.Toleration(key: PodGCController.outOfServiceTaint, operator: "Exists")]
        _ = try await c.client.create(stuck)
        _ = try await c.client.create(C.pod("healthy", labels: [:], node: "n1"))
        _ = try? await c.client.delete(CoreV1.Pod.self, namespace: "default", name: "stuck", gracePeriodSeconds: 300)
        try await c.client.delete(CoreV1.Pod.self, namespace: "default", name: "healthy", gracePeriodSeconds: 300)
        try await c.eventually("stuck pod removed") { try await pod(c, "stuck") == nil }
        #expect(try await pod(c, "healthy") != nil, "a terminating pod on a Ready node waits for its node")
    }

    @Test func unscheduledTerminatingPodsAreFinished() async throws {
        let c = try await C.start(podGCPeriod: .milliseconds(200))
        defer { c.stop() }
        var p = C.pod("pending", labels: [:])
        p.metadata.finalizers = ["example.com/hold"]
        _ = try await c.client.create(p)
        try await c.client.delete(CoreV1.Pod.self, namespace: "default", name: "pending")
        try await c.eventually("marked Failed") { try await pod(c, "pending")?.status?.phase == "Failed" }
        _ = try await c.client.patch(CoreV1.Pod.self, namespace: "default", name: "pending", ["metadata": ["finalizers": .null]])
        try await c.eventually("gone") { try await pod(c, "pending") == nil }
    }

    @Test func missingNodesWaitOutTheQuarantine() async {
        let m = MissingNodes()
        let t0 = ContinuousClock.now
        #expect(await m.update(["a"], quarantine: .seconds(40), now: t0).isEmpty)
        #expect(await m.update(["a", "b"], quarantine: .seconds(40), now: t0 + .seconds(39)).isEmpty)
        #expect(await m.update(["a", "b"], quarantine: .seconds(40), now: t0 + .seconds(40)) == ["a"])
        // A node that comes back starts over.
        #expect(await m.update(["b"], quarantine: .seconds(40), now: t0 + .seconds(41)).isEmpty)
        #expect(await m.update(["a", "b"], quarantine: .seconds(40), now: t0 + .seconds(80)) == ["b"])
    }
}
