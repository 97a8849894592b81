import Foundation
import Testing
import TugAPI
@testable import TugScheduler

@Suite struct PreemptionTests {
    typealias F = AffinityFixtures

    func framework(_ cluster: ClusterObjects = ClusterObjects()) -> SchedulingFramework {
        SchedulingFramework(preFilters: DefaultPlugins.preFilters(), filters: DefaultPlugins.filters(),
                            scores: DefaultPlugins.scores(totalNodes: 3), cluster: cluster)
    }

    func pod(_ name: String, cpu: String, priority: Int = 0, node: String? = nil, labels: [String: String] = [:],
             started: TimeInterval? = nil) -> CoreV1.Pod {
        var p = PluginFixtures.pod(name, requests: ["cpu": Quantity(stringLiteral: cpu)])
        p.metadata.labels = labels
        p.spec?.priority = priority
        p.spec?.nodeName = node
        if let started { p.status = CoreV1.PodStatus(startTime: Time(Date(timeIntervalSince1970: started))) }
        return p
    }

    func nodes(_ pods: [CoreV1.Pod], names: [String] = ["a", "b", "c"]) -> [NodeInfo] {
        names.map { n in NodeInfo(node: F.node(n), pods: pods.filter { $0.spec?.nodeName == n }) }
    }

    /// Schedules (expecting failure), then runs the preemption dry run from the first node.
    func attempt(_ p: CoreV1.Pod, _ infos: [NodeInfo], _ fw: SchedulingFramework? = nil) -> (FitError, PreemptionOutcome)? {
        let fw = fw ?? framework()
        var start = 0
        guard case .failure(var fit) = fw.schedule(p, nodes: infos, startIndex: &start) else { return nil }
        let outcome = PreemptionEvaluator(framework: fw).evaluate(p, nodes: infos, fit: fit)
        fit.postFilterMessage = outcome.message
        return (fit, outcome)
    }

    @Test func higherPriorityPodPreemptsALowerOne() throws {
        let infos = nodes(["a", "b", "c"].map { (n: String) in pod("low-" + n, cpu: "3", priority: 1, node: n) })
        let (fit, outcome) = try #require(attempt(pod("high", cpu: "3", priority: 1000), infos))
        guard case .preempt(let c) = outcome else { Issue.record("no preemption: \(outcome)"); return }
        #expect(c.victims.map { $0.metadata.name } == ["low-\(c.node)"])
        #expect(c.pdbViolations == 0)
        #expect(fit.message == "0/3 nodes are available: 3 Insufficient cpu.")
    }

    @Test func equalPriorityFindsNoVictims() throws {
        let infos = nodes(["a", "b", "c"].map { pod("p-\($0)", cpu: "3", node: $0) })
        let (fit, outcome) = try #require(attempt(pod("q", cpu: "3"), infos))
        #expect(outcome == .failed("0/3 nodes are available: 3 No preemption victims found for incoming pod."))
        #expect(fit.message == "0/3 nodes are available: 3 Insufficient cpu. preemption: 0/3 nodes are available: 3 No preemption victims found for incoming pod.")
    }

    @Test func preemptionPolicyNeverIsNotEligible() throws {
        let infos = nodes(["a", "b", "c"].map { pod("low-\($0)", cpu: "3", node: $0) })
        var p = pod("high", cpu: "3", priority: 1000)
        p.spec?.preemptionPolicy = "Never"
        let (fit, outcome) = try #require(attempt(p, infos))
        #expect(outcome.message == "preemption: not eligible due to preemptionPolicy=Never.")
        #expect(fit.message == "0/3 nodes are available: 3 Insufficient cpu. preemption: not eligible due to preemptionPolicy=Never.")
    }

    @Test func unresolvableNodesAreNotHelped() throws {
        let infos = nodes([])
        var p = pod("p", cpu: "1", priority: 1000)
        p.spec?.nodeSelector = ["disk": "ssd"]
        let (fit, _) = try #require(attempt(p, infos))
        #expect(fit.message == "0/3 nodes are available: 3 node(s) didn't match Pod's node affinity/selector. "
                + "preemption: 0/3 nodes are available: 3 Preemption is not helpful for scheduling.")
    }

    @Test func mixedReasonsAreCountedPerNode() throws {
        var infos = nodes([pod("low", cpu: "3", priority: 1, node: "a"), pod("big", cpu: "3", priority: 5000, node: "b")], names: ["a", "b"])
        var tainted = F.node("c")
        tainted.spec?.taints = [CoreV1.Taint(key: "dedicated", value: "gpu", effect: "NoSchedule")]
        infos.append(NodeInfo(node: tainted))
        let (_, outcome) = try #require(attempt(pod("p", cpu: "3", priority: 1000), infos))
        guard case .preempt(let c) = outcome else { Issue.record("no preemption"); return }
        #expect(c.node == "a")
        // Without the candidate: a victimless node and an unhelpable one.
        let ev = PreemptionEvaluator(framework: framework())
        var start = 0
        guard case .failure(let fit) = framework().schedule(pod("p", cpu: "3", priority: 1000), nodes: Array(infos[1...]), startIndex: &start) else { return }
        #expect(ev.evaluate(pod("p", cpu: "3", priority: 1000), nodes: Array(infos[1...]), fit: fit).message
                == "preemption: 0/2 nodes are available: 1 No preemption victims found for incoming pod, 1 Preemption is not helpful for scheduling.")
    }

    @Test func picksTheNodeWhoseMostImportantVictimHasTheLowestPriority() throws {
        let infos = nodes([pod("x", cpu: "3", priority: 10, node: "a"), pod("y", cpu: "3", priority: 5, node: "b"),
                           pod("z", cpu: "3", priority: 8, node: "c")])
        let (_, outcome) = try #require(attempt(pod("p", cpu: "3", priority: 100), infos))
        #expect(outcome == .preempt(PreemptionCandidate(node: "b", victims: [infos[1].pods[0]], pdbViolations: 0)))
    }

    @Test func thenTheSmallestSumOfPrioritiesAndFewestVictims() throws {
        // a: two victims of priority 1; b: one of priority 1 (same highest priority, smaller sum).
        let infos = nodes([pod("a1", cpu: "1.5", priority: 1, node: "a"), pod("a2", cpu: "1.5", priority: 1, node: "a"),
                           pod("b1", cpu: "3", priority: 1, node: "b")], names: ["a", "b"])
        let (_, outcome) = try #require(attempt(pod("p", cpu: "3", priority: 100), infos))
        guard case .preempt(let c) = outcome else { Issue.record("no preemption"); return }
        #expect(c.node == "b" && c.victims.count == 1)
    }

    @Test func thenTheLatestStartedVictims() throws {
        let infos = nodes([pod("old", cpu: "3", priority: 1, node: "a", started: 1000), pod("new", cpu: "3", priority: 1, node: "b", started: 2000)],
                          names: ["a", "b"])
        let (_, outcome) = try #require(attempt(pod("p", cpu: "3", priority: 100), infos))
        guard case .preempt(let c) = outcome else { Issue.record("no preemption"); return }
        #expect(c.node == "b")
    }

    @Test func disruptionBudgetsAreAvoidedFirst() throws {
        let cluster = ClusterObjects()
        cluster.setBudget(PolicyV1.PodDisruptionBudget(
            metadata: MetaV1.ObjectMeta(name: "db", namespace: "default"),
            spec: PolicyV1.PodDisruptionBudgetSpec(selector: MetaV1.LabelSelector(matchLabels: ["app": "db"])),
            status: PolicyV1.PodDisruptionBudgetStatus(disruptionsAllowed: 0)))
        // The protected victim has the lower priority, yet the other node wins.
        let infos = nodes([pod("db", cpu: "3", priority: 1, node: "a", labels: ["app": "db"]), pod("web", cpu: "3", priority: 5, node: "b")],
                          names: ["a", "b"])
        let fw = framework(cluster)
        let (_, outcome) = try #require(attempt(pod("p", cpu: "3", priority: 100), infos, fw))
        guard case .preempt(let c) = outcome else { Issue.record("no preemption"); return }
        #expect(c.node == "b" && c.pdbViolations == 0)
        // Alone, the protected pod is still preempted, counted as a violation.
        let (_, only) = try #require(attempt(pod("p", cpu: "3", priority: 100), [infos[0]], fw))
        guard case .preempt(let v) = only else { Issue.record("no preemption"); return }
        #expect(v.pdbViolations == 1)
    }

    @Test func victimsThatCanStayAreReprieved() throws {
        let infos = nodes([pod("lowA", cpu: "1.5", priority: 1, node: "a"), pod("lowB", cpu: "1.5", priority: 2, node: "a")], names: ["a"])
        let (_, outcome) = try #require(attempt(pod("p", cpu: "2", priority: 10), infos))
        guard case .preempt(let c) = outcome else { Issue.record("no preemption"); return }
        #expect(c.victims.map { $0.metadata.name } == ["lowA"])
    }

    @Test func higherPriorityPodsAreNeverVictims() throws {
        let infos = nodes([pod("boss", cpu: "3", priority: 2000, node: "a"), pod("low", cpu: "0.5", priority: 1, node: "a")], names: ["a"])
        let (fit, outcome) = try #require(attempt(pod("p", cpu: "2", priority: 1000), infos))
        #expect(outcome == .failed("0/1 nodes are available: 1 Insufficient cpu."))
        #expect(fit.message.hasSuffix("preemption: 0/1 nodes are available: 1 Insufficient cpu."))
    }

    @Test func antiAffinityConflictsArePreempted() throws {
        let web = ["app": "web"]
        let infos = [NodeInfo(node: F.node("a"), pods: [pod("w", cpu: "1", priority: 1, node: "a", labels: web)])]
        var p = pod("p", cpu: "1", priority: 100)
        p.spec?.affinity = F.required(anti: [F.term(web)])
        let (fit, outcome) = try #require(attempt(p, infos))
        #expect(fit.message == "0/1 nodes are available: 1 node(s) didn't match pod anti-affinity rules.")
        guard case .preempt(let c) = outcome else { Issue.record("no preemption"); return }
        #expect(c.victims.map { $0.metadata.name } == ["w"])
    }

    @Test func aTerminatingVictimOnTheNominatedNodeMeansWait() throws {
        var leaving = pod("low", cpu: "3", priority: 1, node: "a")
        leaving.metadata.deletionTimestamp = Time.now()
        leaving.status = CoreV1.PodStatus(conditions: [CoreV1.PodCondition(type: "DisruptionTarget", status: "True", reason: "PreemptionByScheduler")])
        let infos = nodes([leaving, pod("x", cpu: "3", priority: 1, node: "b")], names: ["a", "b"])
        var p = pod("p", cpu: "3", priority: 100)
        p.status = CoreV1.PodStatus(nominatedNodeName: "a")
        let (_, outcome) = try #require(attempt(p, infos))
        #expect(outcome.message == "preemption: not eligible due to a terminating pod on the nominated node.")
    }

    @Test func nominatedPodsHoldTheirNodeForEqualOrLowerPriority() throws {
        let cluster = ClusterObjects()
        var nominated = pod("n", cpu: "3", priority: 100)
        nominated.status = CoreV1.PodStatus(nominatedNodeName: "a")
        cluster.updateNominated(nominated)
        let fw = framework(cluster)
        let infos = nodes([], names: ["a"])
        var start = 0
        guard case .failure(let fit) = fw.schedule(pod("same", cpu: "2", priority: 100), nodes: infos, startIndex: &start) else {
            Issue.record("took the nominated pod's room")
            return
        }
        #expect(fit.message == "0/1 nodes are available: 1 Insufficient cpu.")
        #expect(fw.schedule(pod("higher", cpu: "2", priority: 101), nodes: infos, startIndex: &start) == .success(.init(node: "a", feasibleNodes: 1, evaluatedNodes: 1)))
        // The nominated pod itself fits there, and once bound it no longer reserves.
        #expect(fw.schedule(nominated, nodes: infos, startIndex: &start) == .success(.init(node: "a", feasibleNodes: 1, evaluatedNodes: 1)))
        nominated.spec?.nodeName = "a"
        cluster.updateNominated(nominated)
        #expect(!cluster.hasNominatedPods)
    }
}
