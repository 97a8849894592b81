import Foundation
import Testing
import TugAPI
@testable import TugScheduler

/// Test fixtures: nodes with allocatable resources, pods with requests.
enum Fixture {
    static func node(_ name: String, cpu: String = "4", memory: String = "8Gi", pods: String = "110", labels: [String: String] = [:]) -> CoreV1.Node {
        var n = CoreV1.Node(metadata: MetaV1.ObjectMeta())
        n.metadata.name = name
        n.metadata.labels = labels
        n.status = CoreV1.NodeStatus()
        n.status?.allocatable = ["cpu": Quantity(stringLiteral: cpu), "memory": Quantity(stringLiteral: memory), "pods": Quantity(stringLiteral: pods)]
        return n
    }

    static func pod(_ name: String, cpu: String? = nil, uid: String? = nil, node: String? = nil) -> CoreV1.Pod {
        var p = CoreV1.Pod(metadata: MetaV1.ObjectMeta())
        p.metadata.name = name
        p.metadata.namespace = "default"
        p.metadata.uid = uid ?? "uid-\(name)"
        var c = CoreV1.Container()
        c.name = "app"
        if let cpu { c.resources = CoreV1.ResourceRequirements(requests: ["cpu": Quantity(stringLiteral: cpu)]) }
        p.spec = CoreV1.PodSpec(containers: [c])
        p.spec?.nodeName = node
        return p
    }
}

/// Filters out nodes whose name is listed, with a reason.
struct RejectNamed: FilterPlugin {
    let name = "RejectNamed"
    let names: Set<String>
    let reason: String
    var resolvable = true
    func filter(_ pod: CoreV1.Pod, _ node: NodeInfo, _ state: CycleState) -> PluginStatus {
        guard names.contains(node.name) else { return .success }
        return resolvable ? .unschedulable(reason) : .unresolvable(reason)
    }
}

/// Scores nodes from a table.
struct TableScore: ScorePlugin {
    let name = "TableScore"
    let scores: [String: Int]
    var weight = 1
    func score(_ pod: CoreV1.Pod, _ node: NodeInfo, _ state: CycleState) -> Int { scores[node.name] ?? 0 }
}

/// CPU requests against allocatable, enough to exercise assumed pods.
struct CPUFit: FilterPlugin {
    let name = "CPUFit"
    func filter(_ pod: CoreV1.Pod, _ node: NodeInfo, _ state: CycleState) -> PluginStatus {
        let want = PodRequests.of(pod).milliCPU
        return node.requested.milliCPU + want <= node.allocatable.milliCPU ? .success : .unschedulable("Insufficient cpu")
    }
}

@Suite struct SchedulingFrameworkTests {
    let nodes = ["a", "b", "c"].map { NodeInfo(node: Fixture.node($0)) }

    @Test func picksTheBestScoredFeasibleNode() {
        let f = SchedulingFramework(filters: [RejectNamed(names: ["a"], reason: "no")], scores: [TableScore(scores: ["a": 100, "b": 10, "c": 60])])
        var start = 0
        let r = f.schedule(Fixture.pod("p"), nodes: nodes, startIndex: &start)
        #expect(r == .success(.init(node: "c", feasibleNodes: 2, evaluatedNodes: 3)))
    }

    @Test func failureMessageCountsReasonsPerNodeLikeKubectlShows() {
        let f = SchedulingFramework(filters: [RejectNamed(names: ["a"], reason: "node(s) had untolerated taint {dedicated: gpu}", resolvable: false),
                                              RejectNamed(names: ["b", "c"], reason: "Insufficient cpu")], scores: [])
        var start = 0
        guard case .failure(let fit) = f.schedule(Fixture.pod("p"), nodes: nodes, startIndex: &start) else {
            Issue.record("scheduled")
            return
        }
        #expect(fit.message == "0/3 nodes are available: 1 node(s) had untolerated taint {dedicated: gpu}, 2 Insufficient cpu.")
        #expect(!fit.unresolvable)
        var none = 0
        guard case .failure(let empty) = f.schedule(Fixture.pod("p"), nodes: [], startIndex: &none) else { return }
        #expect(empty.message == "no nodes available to schedule pods")
    }

    @Test func samplesNodesOnLargeClusters() {
        let f = SchedulingFramework(filters: [], scores: [])
        #expect(f.numFeasibleNodesToFind(50) == 50)
        #expect(f.numFeasibleNodesToFind(1000) == 420)    // 50% - 1000/125 = 42%
        #expect(f.numFeasibleNodesToFind(5000) == 500)    // 50 - 40 = 10%
        #expect(f.numFeasibleNodesToFind(10000) == 500)   // at least 5%
        let many = (0..<1000).map { NodeInfo(node: Fixture.node("n\($0)")) }
        var start = 0
        guard case .success(let d) = f.schedule(Fixture.pod("p"), nodes: many, startIndex: &start) else { return }
        #expect(d.evaluatedNodes == 420 && start == 420, "the next pod starts where this one stopped")
    }

    @Test func tiesAreBrokenAtRandom() throws {
        let f = SchedulingFramework(filters: [], scores: [TableScore(scores: ["a": 50, "b": 50, "c": 10])])
        var start = 0
        let first = f.schedule(Fixture.pod("p"), nodes: nodes, startIndex: &start, random: { _ in 1 })
        start = 0
        let second = f.schedule(Fixture.pod("p"), nodes: nodes, startIndex: &start, random: { _ in 0 })
        #expect(try first.get().node == "a")
        #expect(try second.get().node == "b")
    }

    @Test func assumedPodsCountForTheNextDecision() async throws {
        let cache = SchedulerCache()
        await cache.updateNode(Fixture.node("small", cpu: "1"))
        let f = SchedulingFramework(filters: [CPUFit()], scores: [])
        let first = await cache.scheduleAndAssume(Fixture.pod("p1", cpu: "600m"), framework: f)
        #expect(try first.get().node == "small")
        // The first pod is not bound yet, but it is counted: the second does not fit.
        let second = await cache.scheduleAndAssume(Fixture.pod("p2", cpu: "600m"), framework: f)
        guard case .failure(let fit) = second else { Issue.record("second pod placed on a full node"); return }
        #expect(fit.message == "0/1 nodes are available: 1 Insufficient cpu.")
        // The binding failed: forgotten, the room is back.
        await cache.forget(uid: "uid-p1")
        #expect(await cache.nodeInfo("small")?.requested.milliCPU == 0)
        // A bound pod seen from the API is counted once, also when it was assumed before.
        _ = await cache.scheduleAndAssume(Fixture.pod("p3", cpu: "300m"), framework: f)
        await cache.addOrUpdateBoundPod(Fixture.pod("p3", cpu: "300m", node: "small"))
        #expect(await cache.nodeInfo("small")?.requested.milliCPU == 300)
        #expect(await cache.nodeInfo("small")?.pods.count == 1)
        await cache.removePod(uid: "uid-p3")
        #expect(await cache.nodeInfo("small")?.requested.milliCPU == 0)
    }

    @Test func podRequestsFollowKubernetesRules() {
        var p = Fixture.pod("p", cpu: "200m")
        var initC = CoreV1.Container()
        initC.name = "init"
        initC.resources = CoreV1.ResourceRequirements(requests: ["cpu": "1"])
        p.spec?.initContainers = [initC]
        p.spec?.overhead = ["cpu": "50m"]
        #expect(PodRequests.of(p).milliCPU == 1050)     // max(200, 1000) + overhead
        let empty = Fixture.pod("e")
        #expect(PodRequests.of(empty).milliCPU == 0)
        #expect(PodRequests.of(empty, nonZero: true).milliCPU == 100)
        #expect(PodRequests.of(empty, nonZero: true).memory == 200 * 1024 * 1024)
    }
}

@Suite struct SchedulingQueueTests {
    @Test func priorityThenArrivalOrder() async {
        let q = SchedulingQueue()
        await q.add("low-1", priority: 0)
        await q.add("high", priority: 1000)
        await q.add("low-2", priority: 0)
        await q.add("low-1", priority: 0)   // already queued
        #expect(await q.pop() == "high")
        #expect(await q.pop() == "low-1")
        #expect(await q.pop() == "low-2")
        #expect(await q.activeCount == 0)
    }

    @Test func unschedulablePodsWaitForAClusterChangeThenBackoff() async {
        let q = SchedulingQueue(initialBackoff: .milliseconds(100), maxBackoff: .seconds(1))
        await q.addUnschedulable("p")
        await q.flush(now: .now)
        #expect(await q.activeCount == 0)
        #expect(await q.unschedulableCount == 1)
        await q.moveAllToActive()
        #expect(await q.backoffCount == 1, "back after its backoff, not at once")
        await q.flush(now: .now + .milliseconds(150))
        #expect(await q.activeCount == 1)
        #expect(await q.backoffDuration(attempts: 0) == .milliseconds(100))
        #expect(await q.backoffDuration(attempts: 3) == .milliseconds(800))
        #expect(await q.backoffDuration(attempts: 10) == .seconds(1))
    }

    @Test func longUnschedulablePodsAreRetriedAndRemovalForgets() async {
        let q = SchedulingQueue(unschedulableTimeout: .seconds(60))
        await q.addUnschedulable("p")
        await q.flush(now: .now + .seconds(61))
        #expect(await q.activeCount == 1)
        await q.remove("p")
        #expect(await q.activeCount == 0)
        await q.close()
        #expect(await q.pop() == nil)
    }
}
