import Testing
import TugAPI
@testable import TugScheduler

/// Builders for pods with labels and pod (anti-)affinity terms.
enum AffinityFixtures {
    static func node(_ name: String, zone: String? = nil, hostnameLabel: Bool = true) -> CoreV1.Node {
        var labels: [String: String] = [:]
        if hostnameLabel { labels["kubernetes.io/hostname"] = name }
        if let zone { labels["topology.kubernetes.io/zone"] = zone }
        return PluginFixtures.node(name, labels: labels)
    }

    static func pod(_ name: String, labels: [String: String] = [:], namespace: String = "default", affinity: CoreV1.Affinity? = nil,
                    node: String? = nil) -> CoreV1.Pod {
        var p = PluginFixtures.pod(name)
        p.metadata.labels = labels
        p.metadata.namespace = namespace
        p.spec?.affinity = affinity
        p.spec?.nodeName = node
        return p
    }

    static func term(_ match: [String: String], key: String = "kubernetes.io/hostname", namespaces: [String]? = nil,
                     namespaceSelector: MetaV1.LabelSelector? = nil, matchLabelKeys: [String]? = nil,
                     mismatchLabelKeys: [String]? = nil) -> CoreV1.PodAffinityTerm {
        CoreV1.PodAffinityTerm(labelSelector: MetaV1.LabelSelector(matchLabels: match), namespaces: namespaces, topologyKey: key,
                               namespaceSelector: namespaceSelector, matchLabelKeys: matchLabelKeys, mismatchLabelKeys: mismatchLabelKeys)
    }

    static func required(affinity: [CoreV1.PodAffinityTerm] = [], anti: [CoreV1.PodAffinityTerm] = []) -> CoreV1.Affinity {
        CoreV1.Affinity(podAffinity: affinity.isEmpty ? nil : CoreV1.PodAffinity(requiredDuringSchedulingIgnoredDuringExecution: affinity),
                        podAntiAffinity: anti.isEmpty ? nil : CoreV1.PodAntiAffinity(requiredDuringSchedulingIgnoredDuringExecution: anti))
    }

    static func preferred(affinity: [(Int, CoreV1.PodAffinityTerm)] = [], anti: [(Int, CoreV1.PodAffinityTerm)] = []) -> CoreV1.Affinity {
        let a = affinity.map { CoreV1.WeightedPodAffinityTerm(weight: $0.0, podAffinityTerm: $0.1) }
        let n = anti.map { CoreV1.WeightedPodAffinityTerm(weight: $0.0, podAffinityTerm: $0.1) }
        return CoreV1.Affinity(podAffinity: a.isEmpty ? nil : CoreV1.PodAffinity(preferredDuringSchedulingIgnoredDuringExecution: a),
                               podAntiAffinity: n.isEmpty ? nil : CoreV1.PodAntiAffinity(preferredDuringSchedulingIgnoredDuringExecution: n))
    }

    /// Nodes a, b in zone z1 and c in z2, with the given pods placed by `spec.nodeName`.
    static func cluster(_ pods: [CoreV1.Pod], zones: [String: String] = ["a": "z1", "b": "z1", "c": "z2"]) -> [NodeInfo] {
        zones.keys.sorted().map { name in
            NodeInfo(node: node(name, zone: zones[name]), pods: pods.filter { $0.spec?.nodeName == name })
        }
    }
}

@Suite struct InterPodAffinityPluginTests {
    typealias F = AffinityFixtures
    let plugin = InterPodAffinityPlugin()
    let web = ["app": "web"]
    let zone = "topology.kubernetes.io/zone"

    /// The filter's verdict per node after the pre-filter, as the framework runs them.
    func verdicts(_ pod: CoreV1.Pod, _ nodes: [NodeInfo], cluster: ClusterObjects = ClusterObjects()) -> [String: PluginStatus] {
        let state = CycleState(cluster: cluster)
        let pre = plugin.preFilter(pod, nodes: nodes, state: state)
        var out: [String: PluginStatus] = [:]
        for n in nodes { out[n.name] = pre == .skip ? .success : plugin.filter(pod, n, state) }
        return out
    }

    let anti = PluginStatus.unschedulable(InterPodAffinityPlugin.antiAffinityReason)
    let affinity = PluginStatus.unresolvable(InterPodAffinityPlugin.affinityReason)
    let existing = PluginStatus.unschedulable(InterPodAffinityPlugin.existingAntiAffinityReason)

    @Test func podsWithoutAffinityFitEverywhere() {
        let nodes = F.cluster([F.pod("x", labels: web, node: "a")])
        #expect(verdicts(F.pod("p", labels: web), nodes).values.allSatisfy { $0 == .success })
    }

    @Test func requiredAntiAffinityOnHostnameAvoidsNodesWithMatchingPods() {
        let nodes = F.cluster([F.pod("x", labels: web, node: "a"), F.pod("y", labels: ["app": "db"], node: "b")])
        let p = F.pod("p", labels: web, affinity: F.required(anti: [F.term(web)]))
        #expect(verdicts(p, nodes) == ["a": anti, "b": .success, "c": .success])
    }

    @Test func requiredAntiAffinityOnZoneAvoidsTheWholeZone() {
        let nodes = F.cluster([F.pod("x", labels: web, node: "a")])
        let p = F.pod("p", affinity: F.required(anti: [F.term(web, key: zone)]))
        #expect(verdicts(p, nodes) == ["a": anti, "b": anti, "c": .success])
    }

    @Test func requiredAffinityNeedsAMatchingPodInTheDomain() {
        let nodes = F.cluster([F.pod("db", labels: ["app": "db"], node: "a")])
        let p = F.pod("p", labels: web, affinity: F.required(affinity: [F.term(["app": "db"], key: zone)]))
        #expect(verdicts(p, nodes) == ["a": .success, "b": .success, "c": affinity])
    }

    @Test func requiredAffinityFailsOnNodesWithoutTheTopologyLabel() {
        let zones = ["a": "z1"]
        var nodes = F.cluster([F.pod("db", labels: ["app": "db"], node: "a")], zones: zones)
        nodes.append(NodeInfo(node: F.node("nozone")))
        let p = F.pod("p", affinity: F.required(affinity: [F.term(["app": "db"], key: zone)]))
        #expect(verdicts(p, nodes) == ["a": .success, "nozone": affinity])
    }

    @Test func everyAffinityTermMustMatchTheSamePod() {
        // One pod with app=db and another with tier=backend: no single pod matches both terms.
        let nodes = F.cluster([F.pod("db", labels: ["app": "db"], node: "a"), F.pod("be", labels: ["tier": "backend"], node: "a")])
        let p = F.pod("p", affinity: F.required(affinity: [F.term(["app": "db"], key: zone), F.term(["tier": "backend"], key: zone)]))
        #expect(verdicts(p, nodes).values.allSatisfy { $0 == affinity })
        let both = F.cluster([F.pod("db", labels: ["app": "db", "tier": "backend"], node: "c")])
        #expect(verdicts(p, both) == ["a": affinity, "b": affinity, "c": .success])
    }

    @Test func firstPodOfAGroupThatAttractsItselfMayScheduleAnywhere() {
        let nodes = F.cluster([F.pod("other", labels: ["app": "db"], node: "a")])
        let selfAttracting = F.pod("p", labels: web, affinity: F.required(affinity: [F.term(web, key: zone)]))
        #expect(verdicts(selfAttracting, nodes).values.allSatisfy { $0 == .success })
        // Not when it does not match its own terms.
        let notSelf = F.pod("q", labels: ["app": "api"], affinity: F.required(affinity: [F.term(web, key: zone)]))
        #expect(verdicts(notSelf, nodes).values.allSatisfy { $0 == affinity })
        // Nor once a matching pod exists: then only its domain.
        let grown = F.cluster([F.pod("w1", labels: web, node: "c")])
        #expect(verdicts(selfAttracting, grown) == ["a": affinity, "b": affinity, "c": .success])
    }

    @Test func existingPodsAntiAffinityRejectsTheIncomingPodSymmetrically() {
        let guarded = F.pod("g", labels: ["app": "db"], affinity: F.required(anti: [F.term(web)]), node: "a")
        let nodes = F.cluster([guarded])
        #expect(verdicts(F.pod("p", labels: web), nodes) == ["a": existing, "b": .success, "c": .success])
        #expect(verdicts(F.pod("q", labels: ["app": "api"]), nodes).values.allSatisfy { $0 == .success })
        let zoneGuard = F.pod("g", labels: ["app": "db"], affinity: F.required(anti: [F.term(web, key: zone)]), node: "a")
        #expect(verdicts(F.pod("p", labels: web), F.cluster([zoneGuard])) == ["a": existing, "b": existing, "c": .success])
    }

    @Test func affinityRulesComeBeforeAntiAffinityInTheReason() {
        let nodes = F.cluster([F.pod("x", labels: web, node: "a")])
        let p = F.pod("p", affinity: F.required(affinity: [F.term(["app": "db"], key: zone)], anti: [F.term(web)]))
        #expect(verdicts(p, nodes)["a"] == affinity)
    }

    @Test func termsSelectPodsInTheOwnersNamespaceByDefault() {
        let nodes = F.cluster([F.pod("x", labels: web, namespace: "other", node: "a")])
        let sameNamespace = F.pod("p", affinity: F.required(anti: [F.term(web)]))
        #expect(verdicts(sameNamespace, nodes)["a"] == .success)
        let listed = F.pod("p", affinity: F.required(anti: [F.term(web, namespaces: ["other"])]))
        #expect(verdicts(listed, nodes)["a"] == anti)
        let everyNamespace = F.pod("p", affinity: F.required(anti: [F.term(web, namespaceSelector: MetaV1.LabelSelector())]))
        #expect(verdicts(everyNamespace, nodes)["a"] == anti)
    }

    @Test func namespaceSelectorMatchesNamespaceLabels() {
        let nodes = F.cluster([F.pod("x", labels: web, namespace: "team-a", node: "a")])
        let p = F.pod("p", affinity: F.required(anti: [F.term(web, namespaceSelector: MetaV1.LabelSelector(matchLabels: ["team": "a"]))]))
        let cluster = ClusterObjects()
        #expect(verdicts(p, nodes, cluster: cluster)["a"] == .success)
        cluster.setNamespace(CoreV1.Namespace(metadata: MetaV1.ObjectMeta(name: "team-a", labels: ["team": "a"])))
        #expect(verdicts(p, nodes, cluster: cluster)["a"] == anti)
        // The name label every namespace has works before the namespace is seen.
        let byName = F.pod("p", affinity: F.required(anti: [F.term(web, namespaceSelector: MetaV1.LabelSelector(matchLabels: ["kubernetes.io/metadata.name": "team-a"]))]))
        #expect(verdicts(byName, nodes)["a"] == anti)
    }

    @Test func matchLabelKeysNarrowTheSelectorToTheOwnersValues() {
        let nodes = F.cluster([F.pod("x", labels: ["app": "web", "version": "v1"], node: "a")])
        let term = F.term(web, matchLabelKeys: ["version"])
        let v2 = F.pod("p", labels: ["app": "web", "version": "v2"], affinity: F.required(anti: [term]))
        #expect(verdicts(v2, nodes)["a"] == .success)
        let v1 = F.pod("q", labels: ["app": "web", "version": "v1"], affinity: F.required(anti: [term]))
        #expect(verdicts(v1, nodes)["a"] == anti)
        let mismatch = F.pod("r", labels: ["app": "web", "version": "v1"], affinity: F.required(anti: [F.term(web, mismatchLabelKeys: ["version"])]))
        #expect(verdicts(mismatch, nodes)["a"] == .success)
    }

    @Test func removingAPodFromItsNodeForgetsItsTerms() {
        let guarded = F.pod("g", affinity: F.required(anti: [F.term(web)]), node: "a")
        let nodes = F.cluster([guarded])
        #expect(nodes[0].requiredAntiAffinityPods == 1)
        nodes[0].remove(uid: "uid-g")
        #expect(nodes[0].requiredAntiAffinityPods == 0 && nodes[0].affinityPods.isEmpty)
        #expect(verdicts(F.pod("p", labels: web), nodes)["a"] == .success)
    }

    // MARK: score

    func scores(_ pod: CoreV1.Pod, _ nodes: [NodeInfo]) -> [String: Int] {
        let state = CycleState()
        guard plugin.preScore(pod, feasible: nodes, all: nodes, state: state) != .skip else { return [:] }
        var s = nodes.map { plugin.score(pod, $0, state) }
        plugin.normalize(&s)
        return Dictionary(uniqueKeysWithValues: zip(nodes.map(\.name), s))
    }

    @Test func preferredAffinityFavoursDomainsWithMatchingPods() {
        let nodes = F.cluster([F.pod("db", labels: ["app": "db"], node: "a")])
        let p = F.pod("p", affinity: F.preferred(affinity: [(10, F.term(["app": "db"], key: zone))]))
        #expect(scores(p, nodes) == ["a": 100, "b": 100, "c": 0])
    }

    @Test func preferredAntiAffinityAndWeightsCombine() {
        let nodes = F.cluster([F.pod("db", labels: ["app": "db"], node: "a"), F.pod("w", labels: web, node: "c")])
        // Zone z1: +8 (db); node c: -4 (web on hostname c).
        let p = F.pod("p", affinity: F.preferred(affinity: [(8, F.term(["app": "db"], key: zone))], anti: [(4, F.term(web))]))
        let raw = CycleState()
        #expect(plugin.preScore(p, feasible: nodes, all: nodes, state: raw) == .success)
        #expect(nodes.map { plugin.score(p, $0, raw) } == [8, 8, -4])
        #expect(scores(p, nodes) == ["a": 100, "b": 100, "c": 0])
    }

    @Test func existingPodsTermsThatSelectTheIncomingPodCount() {
        // Existing pod on a prefers web pods in its zone (weight 5); one on c requires web on its
        // host (hard weight 1); one on b prefers web pods away (anti, weight 3, hostname).
        let nodes = F.cluster([
            F.pod("x", labels: ["app": "x"], affinity: F.preferred(affinity: [(5, F.term(web, key: zone))]), node: "a"),
            F.pod("y", labels: ["app": "y"], affinity: F.preferred(anti: [(3, F.term(web))]), node: "b"),
            F.pod("z", labels: ["app": "z"], affinity: F.required(affinity: [F.term(web)]), node: "c"),
        ])
        let raw = CycleState()
        let p = F.pod("p", labels: web)
        #expect(plugin.preScore(p, feasible: nodes, all: nodes, state: raw) == .success)
        #expect(nodes.map { plugin.score(p, $0, raw) } == [5, 2, 1])
        #expect(scores(p, nodes) == ["a": 100, "b": 25, "c": 0])
    }

    @Test func equalScoresNormalizeToZero() {
        var s = [3, 3, 3]
        plugin.normalize(&s)
        #expect(s == [0, 0, 0])
        var mixed = [-10, 0, 10]
        plugin.normalize(&mixed)
        #expect(mixed == [0, 50, 100])
    }

    // MARK: with the default plugins

    @Test func frameworkReportsKubeSchedulerMessages() {
        let framework = SchedulingFramework(preFilters: DefaultPlugins.preFilters(), filters: DefaultPlugins.filters(),
                                            scores: DefaultPlugins.scores(totalNodes: 3))
        let nodes = F.cluster(["a", "b", "c"].map { F.pod("w-\($0)", labels: web, node: $0) })
        var start = 0
        let p = F.pod("p", labels: web, affinity: F.required(anti: [F.term(web)]))
        guard case .failure(let fit) = framework.schedule(p, nodes: nodes, startIndex: &start) else {
            Issue.record("scheduled despite anti-affinity")
            return
        }
        #expect(fit.message == "0/3 nodes are available: 3 node(s) didn't match pod anti-affinity rules.")
        #expect(!fit.unresolvable)
        let needsDB = F.pod("q", affinity: F.required(affinity: [F.term(["app": "db"], key: zone)]))
        guard case .failure(let fit2) = framework.schedule(needsDB, nodes: F.cluster([F.pod("db", labels: ["app": "db"], node: "a")] + [F.pod("s", labels: ["app": "db"], node: "b")]).filter { $0.name == "c" }, startIndex: &start) else {
            Issue.record("scheduled without affinity")
            return
        }
        #expect(fit2.message == "0/1 nodes are available: 1 node(s) didn't match pod affinity rules.")
        #expect(fit2.unresolvable)
    }

    @Test func frameworkSpreadsAReplicaSetWithAntiAffinityOverNodes() {
        let framework = SchedulingFramework(preFilters: DefaultPlugins.preFilters(), filters: DefaultPlugins.filters(),
                                            scores: DefaultPlugins.scores(totalNodes: 3))
        let nodes = F.cluster([])
        var start = 0
        var used: Set<String> = []
        for i in 0..<3 {
            var p = F.pod("w\(i)", labels: web, affinity: F.required(anti: [F.term(web)]))
            guard case .success(let d) = framework.schedule(p, nodes: nodes, startIndex: &start) else {
                Issue.record("replica \(i) did not fit")
                return
            }
            used.insert(d.node)
            p.spec?.nodeName = d.node
            nodes.first { $0.name == d.node }!.add(p)
        }
        #expect(used == ["a", "b", "c"])
    }
}
