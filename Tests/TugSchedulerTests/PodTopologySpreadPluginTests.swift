import Testing
import TugAPI
@testable import TugScheduler

@Suite struct PodTopologySpreadPluginTests {
    typealias F = AffinityFixtures
    let plugin = PodTopologySpreadPlugin()
    let web = ["app": "web"]
    let zone = "topology.kubernetes.io/zone"
    let skewFail = PluginStatus.unschedulable(PodTopologySpreadPlugin.reason)
    let missing = PluginStatus.unresolvable(PodTopologySpreadPlugin.missingLabelReason)

    func constraint(_ key: String, maxSkew: Int = 1, when: String = "DoNotSchedule", match: [String: String]? = ["app": "web"],
                    minDomains: Int? = nil, nodeAffinityPolicy: String? = nil, nodeTaintsPolicy: String? = nil,
                    matchLabelKeys: [String]? = nil) -> CoreV1.TopologySpreadConstraint {
        CoreV1.TopologySpreadConstraint(maxSkew: maxSkew, topologyKey: key, whenUnsatisfiable: when,
                                        labelSelector: match.map { MetaV1.LabelSelector(matchLabels: $0) }, minDomains: minDomains,
                                        nodeAffinityPolicy: nodeAffinityPolicy, nodeTaintsPolicy: nodeTaintsPolicy, matchLabelKeys: matchLabelKeys)
    }

    func pod(_ name: String, labels: [String: String] = ["app": "web"], _ constraints: [CoreV1.TopologySpreadConstraint] = [],
             node: String? = nil, namespace: String = "default") -> CoreV1.Pod {
        var p = F.pod(name, labels: labels, namespace: namespace, node: node)
        p.spec?.topologySpreadConstraints = constraints.isEmpty ? nil : constraints
        return p
    }

    func verdicts(_ p: CoreV1.Pod, _ nodes: [NodeInfo]) -> [String: PluginStatus] {
        let state = CycleState()
        let pre = plugin.preFilter(p, nodes: nodes, state: state)
        var out: [String: PluginStatus] = [:]
        for n in nodes { out[n.name] = pre == .skip ? .success : plugin.filter(p, n, state) }
        return out
    }

    @Test func podsWithoutConstraintsSkip() {
        #expect(plugin.preFilter(pod("p"), nodes: F.cluster([]), state: CycleState()) == .skip)
        let anyway = pod("p", [constraint(zone, when: "ScheduleAnyway")])
        #expect(plugin.preFilter(anyway, nodes: F.cluster([]), state: CycleState()) == .skip)
    }

    @Test func maxSkewCountsMatchingPodsPerDomainAndThePodItself() {
        let nodes = F.cluster([pod("w1", node: "a"), pod("w2", node: "b")])
        let p = pod("p", [constraint(zone)])
        #expect(verdicts(p, nodes) == ["a": skewFail, "b": skewFail, "c": .success])
        // A pod its own selector does not match adds nothing: 1 + 0 - 0 <= 1.
        let oneThere = F.cluster([pod("w1", node: "a")])
        let other = pod("p", labels: ["app": "api"], [constraint(zone)])
        #expect(verdicts(other, oneThere).values.allSatisfy { $0 == .success })
        #expect(verdicts(p, oneThere) == ["a": skewFail, "b": skewFail, "c": .success])
        let relaxed = pod("p", [constraint(zone, maxSkew: 2)])
        #expect(verdicts(relaxed, oneThere).values.allSatisfy { $0 == .success })
    }

    @Test func nodesWithoutTheTopologyLabelAreUnresolvable() {
        var nodes = F.cluster([])
        nodes.append(NodeInfo(node: F.node("bare")))
        #expect(verdicts(pod("p", [constraint(zone)]), nodes)["bare"] == missing)
    }

    @Test func minDomainsTreatsMissingDomainsAsEmpty() {
        let nodes = F.cluster([pod("w1", node: "a"), pod("w2", node: "c")])
        #expect(verdicts(pod("p", [constraint(zone)]), nodes).values.allSatisfy { $0 == .success })
        let p = pod("p", [constraint(zone, minDomains: 3)])
        #expect(verdicts(p, nodes).values.allSatisfy { $0 == skewFail })
    }

    @Test func nodeAffinityPolicyHonorLeavesOutNodesThePodCannotUse() {
        let nodes = F.cluster([pod("w1", node: "a")])
        var honor = pod("p", [constraint(zone)])
        honor.spec?.nodeSelector = ["topology.kubernetes.io/zone": "z1"]
        // Only zone z1 is a domain, so its minimum is its own count: 1 + 1 - 1 <= 1.
        #expect(verdicts(honor, nodes)["a"] == .success)
        var ignore = pod("p", [constraint(zone, nodeAffinityPolicy: "Ignore")])
        ignore.spec?.nodeSelector = ["topology.kubernetes.io/zone": "z1"]
        #expect(verdicts(ignore, nodes)["a"] == skewFail)
    }

    @Test func nodeTaintsPolicyHonorLeavesOutUntoleratedNodes() {
        var nodes = F.cluster([pod("w1", node: "a")])
        var tainted = F.node("c", zone: "z2")
        tainted.spec?.taints = [CoreV1.Taint(key: "dedicated", value: "gpu", effect: "NoSchedule")]
        nodes[2] = NodeInfo(node: tainted)
        #expect(verdicts(pod("p", [constraint(zone)]), nodes)["a"] == skewFail)   // Ignore by default
        #expect(verdicts(pod("p", [constraint(zone, nodeTaintsPolicy: "Honor")]), nodes)["a"] == .success)
    }

    @Test func otherNamespacesAndTerminatingPodsDoNotCount() {
        var leaving = pod("w2", node: "b")
        leaving.metadata.deletionTimestamp = Time.now()
        let nodes = F.cluster([pod("w1", node: "a", namespace: "other"), leaving])
        #expect(verdicts(pod("p", [constraint(zone)]), nodes).values.allSatisfy { $0 == .success })
    }

    @Test func matchLabelKeysNarrowTheSelector() {
        let nodes = F.cluster([pod("w1", labels: ["app": "web", "rev": "1"], node: "a")])
        let c = constraint(zone, matchLabelKeys: ["rev"])
        #expect(verdicts(pod("p", labels: ["app": "web", "rev": "2"], [c]), nodes).values.allSatisfy { $0 == .success })
        #expect(verdicts(pod("q", labels: ["app": "web", "rev": "1"], [c]), nodes)["a"] == skewFail)
    }

    @Test func everyConstraintMustHold() {
        let nodes = F.cluster([pod("w1", node: "a")])
        let p = pod("p", [constraint(zone, maxSkew: 5), constraint("kubernetes.io/hostname")])
        #expect(verdicts(p, nodes) == ["a": skewFail, "b": .success, "c": .success])
    }

    // MARK: score

    func scores(_ p: CoreV1.Pod, _ nodes: [NodeInfo]) -> [String: Int] {
        let state = CycleState()
        guard plugin.preScore(p, feasible: nodes, all: nodes, state: state) != .skip else { return [:] }
        var s = nodes.map { plugin.score(p, $0, state) }
        plugin.normalize(&s)
        return Dictionary(uniqueKeysWithValues: zip(nodes.map(\.name), s))
    }

    @Test func scheduleAnywayPrefersEmptierDomains() {
        let nodes = F.cluster([pod("w1", node: "a"), pod("w2", node: "a")])
        let p = pod("p", [constraint(zone, when: "ScheduleAnyway")])
        // z1: 2 pods × log(2 domains + 2) ≈ 2.77 → 3; z2: 0.
        let state = CycleState()
        #expect(plugin.preScore(p, feasible: nodes, all: nodes, state: state) == .success)
        #expect(nodes.map { plugin.score(p, $0, state) } == [3, 3, 0])
        #expect(scores(p, nodes) == ["a": 0, "b": 0, "c": 100])
    }

    @Test func hostnameScoresCountPerNodeAndMaxSkewShifts() {
        let nodes = F.cluster([pod("w1", node: "a"), pod("w2", node: "a"), pod("w3", node: "b")])
        let p = pod("p", [constraint("kubernetes.io/hostname", maxSkew: 2, when: "ScheduleAnyway")])
        // weight log(3 + 2) ≈ 1.609: a 2 → 3.2 + 1 → 4; b 1 → 2.6 → 3; c 0 → 1.
        let state = CycleState()
        _ = plugin.preScore(p, feasible: nodes, all: nodes, state: state)
        #expect(nodes.map { plugin.score(p, $0, state) } == [4, 3, 1])
        // 100 × (4 + 1 - s) / 4
        #expect(scores(p, nodes) == ["a": 25, "b": 50, "c": 100])
    }

    @Test func nodesWithoutTheLabelScoreZero() {
        var nodes = F.cluster([pod("w1", node: "a")])
        nodes.append(NodeInfo(node: F.node("bare")))
        let p = pod("p", [constraint(zone, when: "ScheduleAnyway")])
        #expect(scores(p, nodes)["bare"] == 0)
        #expect(scores(p, nodes)["c"] == 100)
    }

    @Test func allEqualScoresAreAllBest() {
        var s = [0, 0, -1]
        plugin.normalize(&s)
        #expect(s == [100, 100, 0])
    }

    // MARK: with the default plugins

    @Test func frameworkPlacesFourPodsTwoPerZone() {
        let framework = SchedulingFramework(preFilters: DefaultPlugins.preFilters(), filters: DefaultPlugins.filters(),
                                            scores: DefaultPlugins.scores(totalNodes: 3))
        let nodes = F.cluster([])
        var start = 0
        var perZone: [String: Int] = [:]
        for i in 0..<4 {
            var p = pod("w\(i)", [constraint(zone)])
            guard case .success(let d) = framework.schedule(p, nodes: nodes, startIndex: &start) else {
                Issue.record("pod \(i) did not fit")
                return
            }
            p.spec?.nodeName = d.node
            let info = nodes.first { $0.name == d.node }!
            info.add(p)
            perZone[info.labels[zone]!, default: 0] += 1
        }
        #expect(perZone == ["z1": 2, "z2": 2])
    }

    @Test func frameworkReportsKubeSchedulerMessages() {
        let framework = SchedulingFramework(preFilters: DefaultPlugins.preFilters(), filters: DefaultPlugins.filters(),
                                            scores: DefaultPlugins.scores(totalNodes: 3))
        var nodes = F.cluster([pod("w1", node: "a")], zones: ["a": "z1", "b": "z1"])
        nodes.append(NodeInfo(node: F.node("c")))
        var start = 0
        guard case .failure(let fit) = framework.schedule(pod("p", [constraint(zone, minDomains: 2)]), nodes: nodes, startIndex: &start) else {
            Issue.record("scheduled despite skew")
            return
        }
        #expect(fit.message == "0/3 nodes are available: 1 node(s) didn't match pod topology spread constraints (missing required label), "
                + "2 node(s) didn't match pod topology spread constraints.")
        #expect(fit.unresolvableNodes == ["c"])
    }

    // MARK: system defaults

    /// A ReplicaSet's pod without constraints of its own is spread by Kubernetes' defaults over
    /// `DefaultSelector` (its Service's labels and the set's selector); nodes without a zone
    /// label still score on the hostname default. A pod of no workload gets no defaults.
    @Test func systemDefaultsSpreadAWorkloadsPods() {
        let cluster = ClusterObjects()
        var rs = AppsV1.ReplicaSet(metadata: MetaV1.ObjectMeta(name: "web-1", namespace: "default"))
        rs.spec = AppsV1.ReplicaSetSpec(selector: MetaV1.LabelSelector(matchLabels: ["app": "web", "hash": "1"]))
        cluster.workloads.setReplicaSet(rs)
        var svc = CoreV1.Service(metadata: MetaV1.ObjectMeta(name: "web", namespace: "default"))
        svc.spec = CoreV1.ServiceSpec(selector: ["tier": "front"])
        cluster.workloads.setService(svc)
        func member(_ name: String, node: String? = nil) -> CoreV1.Pod {
            var p = pod(name, labels: ["app": "web", "hash": "1", "tier": "front"], node: node)
            p.metadata.ownerReferences = [MetaV1.OwnerReference(apiVersion: "apps/v1", kind: "ReplicaSet", name: "web-1", uid: "rs", controller: true)]
            return p
        }
        let selector = cluster.workloads.defaultSelector(for: member("p"))
        #expect(selector?.description == "app=web,hash=1,tier=front")
        // Nodes without zones: a has two siblings, b one, c none.
        let nodes = ["a", "b", "c"].map { name in
            NodeInfo(node: F.node(name), pods: [member("w1", node: "a"), member("w2", node: "a"), member("w3", node: "b")]
                .filter { $0.spec?.nodeName == name })
        }
        let state = CycleState(cluster: cluster)
        #expect(plugin.preScore(member("p"), feasible: nodes, all: nodes, state: state) == .success)
        var s = nodes.map { plugin.score(member("p"), $0, state) }
        plugin.normalize(&s)
        #expect(s[2] == 100 && s[2] > s[1] && s[1] > s[0])
        // Not part of any workload the scheduler knows: no defaults.
        #expect(plugin.preScore(pod("loner", labels: ["app": "other"]), feasible: nodes, all: nodes, state: CycleState(cluster: cluster)) == .skip)
        // The set is gone: only the service's labels remain, which the pod still matches.
        cluster.workloads.removeReplicaSet(rs)
        #expect(cluster.workloads.defaultSelector(for: member("p"))?.description == "tier=front")
    }
}
