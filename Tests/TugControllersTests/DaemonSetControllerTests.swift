import Foundation
import Testing
import TugAPI
import TugClient
@testable import TugControllers

@Suite struct DaemonSetControllerTests {
    /// A Ready node (a fresh heartbeat keeps the node lifecycle controller from tainting it).
    func node(_ name: String, labels: [String: String] = [:], taints: [CoreV1.Taint] = []) -> CoreV1.Node {
        var n = CoreV1.Node(metadata: MetaV1.ObjectMeta())
        n.metadata.name = name
        n.metadata.labels = labels
        if !taints.isEmpty { n.spec = CoreV1.NodeSpec(taints: taints) }
        n.status = CoreV1.NodeStatus(conditions: [CoreV1.NodeCondition(type: "Ready", status: "True", lastHeartbeatTime: Time.now(),
                                                                        lastTransitionTime: Time.now())])
        return n
    }

    func daemonSet(_ name: String, nodeSelector: [String: String]? = nil) -> AppsV1.DaemonSet {
        var d = AppsV1.DaemonSet(metadata: MetaV1.ObjectMeta())
        d.metadata.name = name
        d.metadata.namespace = "default"
        var template = ControllerTestCluster.template(app: name)
        template.spec?.nodeSelector = nodeSelector
        d.spec = AppsV1.DaemonSetSpec(selector: MetaV1.LabelSelector(matchLabels: ["app": name]), template: template)
        return d
    }

    /// Pods of the set by the node they are pinned to.
    func placement(_ c: ControllerTestCluster, _ app: String) async throws -> [String: [CoreV1.Pod]] {
        Dictionary(grouping: try await c.pods("app=\(app)").filter { $0.metadata.deletionTimestamp == nil }) {
            DaemonPlacement.targetNode(of: $0) ?? "?"
        }
    }

    func status(_ c: ControllerTestCluster, _ name: String) async throws -> AppsV1.DaemonSetStatus? {
        try await c.client.get(AppsV1.DaemonSet.self, namespace: "default", name: name).status
    }

    @Test func onePodPerEligibleNodeFollowingNodeChanges() async throws {
        let c = try await ControllerTestCluster.start()
        defer { c.stop() }
        _ = try await c.client.create(node("n1", labels: ["role": "agent"]))
        _ = try await c.client.create(node("n2", labels: ["role": "agent"], taints: [CoreV1.Taint(key: "dedicated", value: "db", effect: "NoSchedule")]))
        _ = try await c.client.create(node("n3"))
        // Cordoned: daemon pods tolerate node.kubernetes.io/unschedulable.
        var cordoned = node("n5", labels: ["role": "agent"])
        cordoned.spec = CoreV1.NodeSpec(unschedulable: true, taints: [CoreV1.Taint(key: "node.kubernetes.io/unschedulable", effect: "NoSchedule")])
        _ = try await c.client.create(cordoned)
        let ds = try await c.client.create(daemonSet("agent", nodeSelector: ["role": "agent"]))

        try await c.eventually("pods on n1 and n5") { Set(try await placement(c, "agent").keys) == ["n1", "n5"] }
        try await Task.sleep(for: .milliseconds(300))
        let placed = try await placement(c, "agent")
        #expect(Set(placed.keys) == ["n1", "n5"], "tainted n2 and unlabelled n3 get none")
        #expect(placed.values.allSatisfy { $0.count == 1 })
        let pod = try #require(placed["n1"]?.first)
        #expect(pod.spec?.nodeName == nil, "the scheduler binds it")
        #expect(pod.spec?.affinity?.nodeAffinity?.requiredDuringSchedulingIgnoredDuringExecution?.nodeSelectorTerms?.first?.matchFields?.first
            == CoreV1.NodeSelectorRequirement(key: "metadata.name", operator: "In", values: ["n1"]))
        #expect(pod.metadata.labels?[DaemonPlacement.generationLabel] == "1")
        #expect(OwnerRefs.controller(of: pod.metadata)?.uid == ds.metadata.uid)
        #expect(pod.spec?.tolerations?.contains { $0.key == "node.kubernetes.io/unreachable" && $0.effect == "NoExecute" } == true)
        let hash = try #require(pod.metadata.labels?[DaemonPlacement.revisionLabel])
        let revisions = try await c.client.list(AppsV1.ControllerRevision.self, namespace: "default").items
        #expect(revisions.map(\.metadata.name) == ["agent-\(hash)"])

        for p in placed.values.flatMap({ $0 }) { try await c.setRunning(p.metadata.name ?? "") }
        try await c.eventually("status 2/2 ready") {
            let s = try await status(c, "agent")
            return s?.desiredNumberScheduled == 2 && s?.currentNumberScheduled == 2 && s?.numberReady == 2 && s?.numberAvailable == 2
                && s?.updatedNumberScheduled == 2 && s?.numberUnavailable == 0 && s?.numberMisscheduled == 0 && s?.observedGeneration == 1
        }

        // A new eligible node gets a pod; a node that loses the label loses its pod.
        _ = try await c.client.create(node("n4", labels: ["role": "agent"]))
        try await c.eventually("pod on n4") { try await placement(c, "agent")["n4"]?.count == 1 }
        _ = try await c.client.patch(CoreV1.Node.self, name: "n1", ["metadata": ["labels": ["role": nil]]])
        try await c.eventually("n1's pod deleted") { try await placement(c, "agent")["n1"] == nil }

        // NoSchedule keeps new pods off but lets a running one stay; NoExecute removes it.
        _ = try await c.client.patch(CoreV1.Node.self, name: "n4", ["spec": ["taints": [["key": "maint", "effect": "NoSchedule"]]]])
        try await Task.sleep(for: .milliseconds(300))
        #expect(try await placement(c, "agent")["n4"]?.count == 1)
        _ = try await c.client.patch(CoreV1.Node.self, name: "n4", ["spec": ["taints": [["key": "maint", "effect": "NoExecute"]]]])
        try await c.eventually("n4's pod deleted") { try await placement(c, "agent")["n4"] == nil }

        // A failed pod is replaced on its node.
        let failed = try #require(try await placement(c, "agent")["n5"]?.first)
        try await c.setPhase(failed.metadata.name ?? "", "Failed")
        try await c.eventually("n5's pod replaced") {
            let now = try await placement(c, "agent")["n5"] ?? []
            return now.count == 1 && now.first?.metadata.uid != failed.metadata.uid && now.first?.status?.phase != "Failed"
        }
    }

    @Test func rollingUpdateReplacesOneNodeAtATime() async throws {
        let c = try await ControllerTestCluster.start()
        defer { c.stop() }
        for n in ["n1", "n2", "n3"] { _ = try await c.client.create(node(n)) }
        _ = try await c.client.create(daemonSet("logs"))
        /// Plays the kubelet: every pod that exists becomes Running and Ready.
        func readyAll() async throws {
            for p in try await c.pods("app=logs") where !PodState.isReady(p) && p.metadata.deletionTimestamp == nil {
                try? await c.setRunning(p.metadata.name ?? "")
            }
        }
        try await c.eventually("3 ready") {
            try await readyAll()
            return try await status(c, "logs")?.numberAvailable == 3
        }
        let oldHash = try #require(try await c.pods("app=logs").first?.metadata.labels?[DaemonPlacement.revisionLabel])

        _ = try await c.client.patch(AppsV1.DaemonSet.self, namespace: "default", name: "logs",
                                     ["spec": ["template": ["spec": ["containers": [["name": "app", "image": "nginx:2"]]]]]])
        var worstAvailable = 3
        try await c.eventually("all pods updated") {
            let pods = try await c.pods("app=logs").filter { $0.metadata.deletionTimestamp == nil }
            worstAvailable = min(worstAvailable, pods.filter(PodState.isReady).count)
            let done = pods.count == 3 && pods.allSatisfy { $0.metadata.labels?[DaemonPlacement.revisionLabel] != oldHash && PodState.isReady($0) }
            try await readyAll()
            return done
        }
        #expect(worstAvailable >= 2, "maxUnavailable 1")
        #expect(Set(try await placement(c, "logs").keys) == ["n1", "n2", "n3"])
        try await c.eventually("status updated 3/3") {
            let s = try await status(c, "logs")
            return s?.updatedNumberScheduled == 3 && s?.numberAvailable == 3 && s?.observedGeneration == 2
        }
        let revisions = try await c.client.list(AppsV1.ControllerRevision.self, namespace: "default").items
        #expect(revisions.compactMap(\.revision).sorted() == [1, 2])
    }

    @Test func deletingTheSetRemovesPodsAndRevisions() async throws {
        let c = try await ControllerTestCluster.start()
        defer { c.stop() }
        _ = try await c.client.create(node("n1"))
        _ = try await c.client.create(daemonSet("gone"))
        try await c.eventually("a pod") { try await c.pods("app=gone").count == 1 }
        try await c.client.delete(AppsV1.DaemonSet.self, namespace: "default", name: "gone", propagationPolicy: "Background")
        try await c.eventually("pods and revisions collected") {
            let revisions = try await c.client.list(AppsV1.ControllerRevision.self, namespace: "default").items
            return try await c.pods("app=gone").isEmpty && revisions.isEmpty
        }
    }
}
