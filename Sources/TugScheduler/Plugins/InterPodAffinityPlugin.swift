import TugAPI

/// Kubernetes' `InterPodAffinity`. The filter enforces the pod's required pod affinity and
/// anti-affinity and the required anti-affinity of pods already placed (symmetry); the score
/// adds the weights of preferred terms on both sides (and 1 per required affinity term of an
/// existing pod that selects this pod), per topology domain. Counts are made once per pod in
/// `preFilter`/`preScore` over all nodes; both skip when nobody uses pod affinity.
public struct InterPodAffinityPlugin: PreFilterPlugin, FilterPlugin, PreScorePlugin, ScorePlugin {
    public let name = "InterPodAffinity"
    public let weight: Int
    /// kube-scheduler's `hardPodAffinityWeight`: what an existing pod's required affinity term
    /// that selects the incoming pod adds to the score.
    public let hardPodAffinityWeight: Int

    public static let affinityReason = "node(s) didn't match pod affinity rules"
    public static let antiAffinityReason = "node(s) didn't match pod anti-affinity rules"
    public static let existingAntiAffinityReason = "node(s) didn't satisfy existing pods anti-affinity rules"

    static let filterKey = "interPodAffinity.filter"
    static let scoreKey = "interPodAffinity.score"

    public init(weight: Int = 2, hardPodAffinityWeight: Int = 1) {
        self.weight = weight
        self.hardPodAffinityWeight = hardPodAffinityWeight
    }

    /// A topology domain: a node label and its value.
    struct Domain: Hashable {
        var key: String
        var value: String
    }

    struct FilterState: Sendable {
        var affinityTerms: [AffinityTerm]
        var antiAffinityTerms: [AffinityTerm]
        /// Domains holding pods that match all of the pod's required affinity terms.
        var affinityCounts: [Domain: Int]
        /// Domains holding pods that match one of the pod's required anti-affinity terms.
        var antiAffinityCounts: [Domain: Int]
        /// Domains from which an existing pod's required anti-affinity term rejects this pod.
        var existingAntiAffinityCounts: [Domain: Int]
        /// The pod matches all its own affinity terms (it may start a group).
        var matchesOwnAffinity: Bool
    }

    // MARK: filter

    public func preFilter(_ pod: CoreV1.Pod, nodes: [NodeInfo], state: CycleState) -> PluginStatus {
        let incoming = AffinityPod(pod)
        let requiredAffinity = incoming?.requiredAffinity ?? []
        let requiredAnti = incoming?.requiredAntiAffinity ?? []
        let anyInCluster = AffinityPod.inCluster.load(ordering: .relaxed) > 0
        if requiredAffinity.isEmpty && requiredAnti.isEmpty && !anyInCluster { return .skip }
        let nsLabels = state.cluster.labels(ofNamespace:)
        var s = FilterState(affinityTerms: requiredAffinity, antiAffinityTerms: requiredAnti, affinityCounts: [:],
                            antiAffinityCounts: [:], existingAntiAffinityCounts: [:],
                            matchesOwnAffinity: requiredAffinity.allSatisfy { $0.matches(pod, namespaceLabels: nsLabels) })
        let checkIncoming = !requiredAffinity.isEmpty || !requiredAnti.isEmpty
        for node in nodes {
            let labels = node.labels
            if anyInCluster && node.requiredAntiAffinityPods > 0 {
                for existing in node.affinityPods {
                    for term in existing.requiredAntiAffinity where term.matches(pod, namespaceLabels: nsLabels) {
                        if let v = labels[term.topologyKey] { s.existingAntiAffinityCounts[Domain(key: term.topologyKey, value: v), default: 0] += 1 }
                    }
                }
            }
            guard checkIncoming else { continue }
            for existing in node.pods {
                // Affinity counts a pod only when it matches every term.
                if !requiredAffinity.isEmpty, requiredAffinity.allSatisfy({ $0.matches(existing, namespaceLabels: nsLabels) }) {
                    for term in requiredAffinity {
                        if let v = labels[term.topologyKey] { s.affinityCounts[Domain(key: term.topologyKey, value: v), default: 0] += 1 }
                    }
                }
                for term in requiredAnti where term.matches(existing, namespaceLabels: nsLabels) {
                    if let v = labels[term.topologyKey] { s.antiAffinityCounts[Domain(key: term.topologyKey, value: v), default: 0] += 1 }
                }
            }
        }
        if s.existingAntiAffinityCounts.isEmpty && requiredAffinity.isEmpty && requiredAnti.isEmpty { return .skip }
        state.write(Self.filterKey, s)
        return .success
    }

    public func filter(_ pod: CoreV1.Pod, _ node: NodeInfo, _ state: CycleState) -> PluginStatus {
        guard let s = state.read(Self.filterKey, as: FilterState.self) else { return .success }
        let labels = node.labels
        if !Self.satisfiesAffinity(s, labels) { return .unresolvable(Self.affinityReason) }
        if !s.antiAffinityCounts.isEmpty {
            for term in s.antiAffinityTerms {
                if let v = labels[term.topologyKey], s.antiAffinityCounts[Domain(key: term.topologyKey, value: v), default: 0] > 0 {
                    return .unschedulable(Self.antiAffinityReason)
                }
            }
        }
        if !s.existingAntiAffinityCounts.isEmpty {
            for (key, value) in labels where s.existingAntiAffinityCounts[Domain(key: key, value: value), default: 0] > 0 {
                return .unschedulable(Self.existingAntiAffinityReason)
            }
        }
        return .success
    }

    /// Every affinity term's domain on this node holds a matching pod; or no pod anywhere matches
    /// and the pod matches its own terms (the first pod of a group that attracts itself).
    static func satisfiesAffinity(_ s: FilterState, _ labels: [String: String]) -> Bool {
        var podsExist = true
        for term in s.affinityTerms {
            guard let v = labels[term.topologyKey] else { return false }   // the node lacks the topology label
            if s.affinityCounts[Domain(key: term.topologyKey, value: v), default: 0] <= 0 { podsExist = false }
        }
        if podsExist { return true }
        return s.affinityCounts.isEmpty && s.matchesOwnAffinity
    }

    // MARK: score

    public func preScore(_ pod: CoreV1.Pod, feasible: [NodeInfo], all: [NodeInfo], state: CycleState) -> PluginStatus {
        let incoming = AffinityPod(pod)
        let preferred = incoming.map { !$0.preferredAffinity.isEmpty || !$0.preferredAntiAffinity.isEmpty } ?? false
        if !preferred && AffinityPod.inCluster.load(ordering: .relaxed) == 0 { return .skip }
        let nsLabels = state.cluster.labels(ofNamespace:)
        var scores: [String: [String: Int]] = [:]
        func add(_ term: AffinityTerm, _ target: CoreV1.Pod, _ labels: [String: String], _ amount: Int) {
            guard amount != 0, let v = labels[term.topologyKey], term.matches(target, namespaceLabels: nsLabels) else { return }
            scores[term.topologyKey, default: [:]][v, default: 0] += amount
        }
        for node in all {
            let labels = node.labels
            guard !labels.isEmpty, preferred || !node.affinityPods.isEmpty else { continue }
            // The incoming pod's preferences, against every pod here.
            if let incoming, preferred {
                for existing in node.pods {
                    for t in incoming.preferredAffinity { add(t, existing, labels, t.weight) }
                    for t in incoming.preferredAntiAffinity { add(t, existing, labels, -t.weight) }
                }
            }
            // Existing pods' terms that select the incoming pod.
            for existing in node.affinityPods {
                for t in existing.requiredAffinity { add(t, pod, labels, hardPodAffinityWeight) }
                for t in existing.preferredAffinity { add(t, pod, labels, t.weight) }
                for t in existing.preferredAntiAffinity { add(t, pod, labels, -t.weight) }
            }
        }
        if scores.isEmpty { return .skip }
        state.write(Self.scoreKey, scores)
        return .success
    }

    /// The sum of the domain scores of the node's labels; may be negative before `normalize`.
    public func score(_ pod: CoreV1.Pod, _ node: NodeInfo, _ state: CycleState) -> Int {
        guard let scores = state.read(Self.scoreKey, as: [String: [String: Int]].self) else { return 0 }
        let labels = node.labels
        var total = 0
        for (key, values) in scores {
            if let v = labels[key] { total += values[v] ?? 0 }
        }
        return total
    }

    /// Min-max scaling onto 0...100 (all equal: all 0), as Kubernetes does.
    public func normalize(_ scores: inout [Int]) {
        guard let lo = scores.min(), let hi = scores.max() else { return }
        let spread = hi - lo
        for i in scores.indices {
            scores[i] = spread > 0 ? Int(Double(maxScore) * Double(scores[i] - lo) / Double(spread)) : 0
        }
    }
}
