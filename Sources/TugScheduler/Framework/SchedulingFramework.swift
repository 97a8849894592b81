import TugAPI

/// Why no node fits, as kube-scheduler words it: `0/3 nodes are available: 1 node(s) had
/// untolerated taint {…}, 2 Insufficient cpu.` (reasons counted per node, sorted as strings).
public struct FitError: Error, Sendable, Hashable {
    public var numAllNodes: Int
    public var reasonCounts: [String: Int]
    /// True when every failing plugin said preemption cannot help.
    public var unresolvable: Bool

    public var message: String {
        if numAllNodes == 0 { return "no nodes available to schedule pods" }
        let parts = reasonCounts.map { "\($0.value) \($0.key)" }.sorted()
        return "0/\(numAllNodes) nodes are available: " + parts.joined(separator: ", ") + "."
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

    public init(preFilters: [any PreFilterPlugin] = [], filters: [any FilterPlugin], scores: [any ScorePlugin], percentageOfNodesToScore: Int? = nil) {
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

    /// Picks a node for `pod`; `startIndex` rotates so that sampling covers all nodes over time.
    public func schedule(_ pod: CoreV1.Pod, nodes: [NodeInfo], startIndex: inout Int,
                         random: (Int) -> Int = { Int.random(in: 0..<$0) }) -> Result<Decision, FitError> {
        let state = CycleState()
        var counts: [String: Int] = [:]
        for p in preFilters {
            let s = p.preFilter(pod, nodes: nodes, state: state)
            if !s.isSuccess {
                for r in s.reasons { counts[r, default: 0] += nodes.count }
                return .failure(FitError(numAllNodes: nodes.count, reasonCounts: counts, unresolvable: true))
            }
        }
        guard !nodes.isEmpty else { return .failure(FitError(numAllNodes: 0, reasonCounts: [:], unresolvable: false)) }
        let want = numFeasibleNodesToFind(nodes.count)
        var feasible: [Int] = []
        var evaluated = 0
        var allUnresolvable = true
        let start = startIndex % nodes.count
        for offset in 0..<nodes.count where feasible.count < want {
            let i = (start + offset) % nodes.count
            evaluated += 1
            var fits = true
            for f in filters {
                let s = f.filter(pod, nodes[i], state)
                if s.isSuccess { continue }
                fits = false
                if case .unschedulable = s { allUnresolvable = false }
                if case .error = s { allUnresolvable = false }
                for r in s.reasons { counts[r, default: 0] += 1 }
                break
            }
            if fits { feasible.append(i) }
        }
        startIndex = (start + evaluated) % nodes.count
        guard !feasible.isEmpty else {
            return .failure(FitError(numAllNodes: nodes.count, reasonCounts: counts, unresolvable: allUnresolvable))
        }
        if feasible.count == 1 || scores.isEmpty {
            return .success(Decision(node: nodes[feasible[0]].name, feasibleNodes: feasible.count, evaluatedNodes: evaluated))
        }
        var totals = [Int](repeating: 0, count: feasible.count)
        for plugin in scores {
            var s = feasible.map { plugin.score(pod, nodes[$0], state) }
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
