import TugAPI

/// Why no node fits, as kube-scheduler words it: `0/3 nodes are available: 1 node(s) had
/// untolerated taint {…}, 2 Insufficient cpu.` (reasons counted per node, sorted as strings).
public struct FitError: Error, Sendable, Hashable {
    public var numAllNodes: Int
    public var reasonCounts: [String: Int]
    /// True when every failing plugin said preemption cannot help.
    public var unresolvable: Bool
    /// Nodes where a filter said preemption cannot help (preemption skips them).
    public var unresolvableNodes: Set<String> = []
    /// What preemption (the PostFilter) had to say, appended as kube-scheduler does:
    /// `preemption: 0/3 nodes are available: 3 No preemption victims found for incoming pod.`
    public var postFilterMessage: String?

    public init(numAllNodes: Int, reasonCounts: [String: Int], unresolvable: Bool, unresolvableNodes: Set<String> = []) {
        self.numAllNodes = numAllNodes
        self.reasonCounts = reasonCounts
        self.unresolvable = unresolvable
        self.unresolvableNodes = unresolvableNodes
    }

    public var message: String {
        if numAllNodes == 0 { return "no nodes available to schedule pods" }
        let parts = reasonCounts.map { "\($0.value) \($0.key)" }.sorted()
        var text = "0/\(numAllNodes) nodes are available: " + parts.joined(separator: ", ") + "."
        if let post = postFilterMessage, !post.isEmpty {
            text += " " + post + (post.hasSuffix(".") ? "" : ".")
        }
        return text
    }
}

/// Runs the plugins for one pod: pre-filters, filters over (a sample of) the nodes, scores of the
/// feasible ones, and picks the best (ties broken at random).
public struct SchedulingFramework: Sendable {
    public var preFilters: [any PreFilterPlugin]
    public var filters: [any FilterPlugin]
    public var scores: [any ScorePlugin]
    /// Share of nodes to find feasible before scoring stops looking; nil is Kubernetes' adaptive
    /// default (50% minus 1% per 125 nodes, at least 5%, at least 100 nodes).
    public var percentageOfNodesToScore: Int?
    /// Namespaces, nominated pods and disruption budgets, kept current by the scheduler.
    public let cluster: ClusterObjects

    public init(preFilters: [any PreFilterPlugin] = [], filters: [any FilterPlugin], scores: [any ScorePlugin],
                percentageOfNodesToScore: Int? = nil, cluster: ClusterObjects = ClusterObjects()) {
        self.cluster = cluster
        self.preFilters = preFilters
        self.filters = filters
        self.scores = scores
        self.percentageOfNodesToScore = percentageOfNodesToScore
    }

    public static let minFeasibleNodesToFind = 100

    /// How many feasible nodes to find among `total`.
    public func numFeasibleNodesToFind(_ total: Int) -> Int {
        if total < Self.minFeasibleNodesToFind { return total }
        var percentage = percentageOfNodesToScore ?? max(5, 50 - total / 125)
        if percentage >= 100 { return total }
        percentage = max(percentage, 1)
        return max(total * percentage / 100, Self.minFeasibleNodesToFind)
    }

    public struct Decision: Sendable, Hashable {
        public var node: String
        public var feasibleNodes: Int
        public var evaluatedNodes: Int
    }

    /// One cycle's pre-filter results: the shared state and the plugins whose filter has
    /// nothing to do for this pod.
    public struct Prepared: Sendable {
        public let state: CycleState
        public let filters: [any FilterPlugin]
        /// Whether pods nominated to a node must be counted there (some exist).
        let reserveNominated: Bool
    }

    /// Runs the pre-filters over every node; a failure is the pod's fit error.
    public func prepare(_ pod: CoreV1.Pod, nodes: [NodeInfo]) -> Result<Prepared, FitError> {
        let state = CycleState(cluster: cluster, pod: pod)
        var skipped: Set<String> = []
        for p in preFilters {
            let s = p.preFilter(pod, nodes: nodes, state: state)
            if s == .skip { skipped.insert(p.name); continue }
            if !s.isSuccess {
                var counts: [String: Int] = [:]
                for r in s.reasons { counts[r, default: 0] += nodes.count }
                return .failure(FitError(numAllNodes: nodes.count, reasonCounts: counts, unresolvable: true))
            }
        }
        let active = skipped.isEmpty ? filters : filters.filter { !skipped.contains($0.name) }
        return .success(Prepared(state: state, filters: active, reserveNominated: cluster.hasNominatedPods))
    }

    /// The first failing filter's status for `pod` on `node` (`.success` when it fits). Pods that
    /// preemption nominated to the node with at least this pod's priority count as if there.
    public func filter(_ pod: CoreV1.Pod, _ node: NodeInfo, _ prepared: Prepared) -> PluginStatus {
        var info = node
        if prepared.reserveNominated {
            let priority = pod.spec?.priority ?? 0
            let reserved = cluster.nominatedPods(on: node.name, except: pod.metadata.uid)
                .filter { ($0.spec?.priority ?? 0) >= priority }
            if !reserved.isEmpty { info = NodeInfo(node: node.node, pods: node.pods + reserved) }
        }
        // By index: iterating would copy each plugin existential.
        for i in prepared.filters.indices {
            let s = prepared.filters[i].filter(pod, info, prepared.state)
            if !s.isSuccess && s != .skip { return s }
        }
        return .success
    }

    /// Picks a node for `pod`; `startIndex` rotates so that sampling covers all nodes over time.
    public func schedule(_ pod: CoreV1.Pod, nodes: [NodeInfo], startIndex: inout Int,
                         random: (Int) -> Int = { Int.random(in: 0..<$0) }) -> Result<Decision, FitError> {
        let prepared: Prepared
        switch prepare(pod, nodes: nodes) {
        case .success(let p): prepared = p
        case .failure(let e): return .failure(e)
        }
        guard !nodes.isEmpty else { return .failure(FitError(numAllNodes: 0, reasonCounts: [:], unresolvable: false)) }
        // A pod that preempted for a node tries that node first (kube-scheduler's evaluateNominatedNode).
        if let nominated = pod.status?.nominatedNodeName, !nominated.isEmpty,
           let node = nodes.first(where: { $0.name == nominated }), filter(pod, node, prepared).isSuccess {
            return .success(Decision(node: nominated, feasibleNodes: 1, evaluatedNodes: 1))
        }
        let want = numFeasibleNodesToFind(nodes.count)
        var feasible: [Int] = []
        var evaluated = 0
        var allUnresolvable = true
        var unresolvableNodes: Set<String> = []
        var counts: [String: Int] = [:]
        let start = startIndex % nodes.count
        for offset in 0..<nodes.count where feasible.count < want {
            let i = (start + offset) % nodes.count
            evaluated += 1
            let s = filter(pod, nodes[i], prepared)
            if s.isSuccess { feasible.append(i); continue }
            if case .unresolvable = s { unresolvableNodes.insert(nodes[i].name) } else { allUnresolvable = false }
            for r in s.reasons { counts[r, default: 0] += 1 }
        }
        startIndex = (start + evaluated) % nodes.count
        guard !feasible.isEmpty else {
            return .failure(FitError(numAllNodes: nodes.count, reasonCounts: counts, unresolvable: allUnresolvable,
                                     unresolvableNodes: unresolvableNodes))
        }
        if feasible.count == 1 || scores.isEmpty {
            return .success(Decision(node: nodes[feasible[0]].name, feasibleNodes: feasible.count, evaluatedNodes: evaluated))
        }
        let feasibleNodes = feasible.map { nodes[$0] }
        var totals = [Int](repeating: 0, count: feasible.count)
        for plugin in scores {
            if let pre = plugin as? any PreScorePlugin,
               pre.preScore(pod, feasible: feasibleNodes, all: nodes, state: prepared.state) == .skip { continue }
            var s = feasibleNodes.map { plugin.score(pod, $0, prepared.state) }
            plugin.normalize(&s)
            for k in s.indices { totals[k] += s[k] * plugin.weight }
        }
        // Reservoir choice among the best.
        var best = Int.min
        var chosen = 0
        var ties = 0
        for (k, total) in totals.enumerated() {
            if total > best {
                best = total
                chosen = k
                ties = 1
            } else if total == best {
                ties += 1
                if random(ties) == 0 { chosen = k }
            }
        }
        return .success(Decision(node: nodes[feasible[chosen]].name, feasibleNodes: feasible.count, evaluatedNodes: evaluated))
    }
}
