import TugAPI

/// Kubernetes' `NodeAffinity`: the filter requires `spec.nodeSelector` and the required node
/// affinity to match the node; the score sums the weights of the matching preferred terms.
public struct NodeAffinityPlugin: PreFilterPlugin, FilterPlugin, ScorePlugin {
    public let name = "NodeAffinity"
    public static let reason = "node(s) didn't match Pod's node affinity/selector"
    public let weight: Int

    public init(weight: Int = 2) {
        self.weight = weight
    }

    /// Most pods constrain nothing: their filter is left out of the cycle.
    public func preFilter(_ pod: CoreV1.Pod, nodes: [NodeInfo], state: CycleState) -> PluginStatus {
        Self.constrains(pod) ? .success : .skip
    }

    static func constrains(_ pod: CoreV1.Pod) -> Bool {
        !(pod.spec?.nodeSelector ?? [:]).isEmpty || pod.spec?.affinity?.nodeAffinity?.requiredDuringSchedulingIgnoredDuringExecution != nil
    }

    public func filter(_ pod: CoreV1.Pod, _ node: NodeInfo, _ state: CycleState) -> PluginStatus {
        if !Self.constrains(pod) { return .success }
        return Self.requiredMatches(pod, node.node) ? .success : .unresolvable(Self.reason)
    }

    /// Raw sum of weights; `normalize` scales it against the best node.
    public func score(_ pod: CoreV1.Pod, _ node: NodeInfo, _ state: CycleState) -> Int {
        let preferred = pod.spec?.affinity?.nodeAffinity?.preferredDuringSchedulingIgnoredDuringExecution ?? []
        if preferred.isEmpty { return 0 }
        var total = 0
        for term in preferred {
            guard let weight = term.weight, weight != 0, let preference = term.preference else { continue }
            // An empty preference matches no node, unlike an empty label selector.
            if Self.termMatches(preference, node.node) == true { total += weight }
        }
        return total
    }

    public func normalize(_ scores: inout [Int]) {
        defaultNormalizeScore(&scores, reverse: false)
    }

    /// `spec.nodeSelector` and the required terms (TugAPI's `NodeSelection`, shared with the DaemonSet controller).
    public static func requiredMatches(_ pod: CoreV1.Pod, _ node: CoreV1.Node) -> Bool {
        NodeSelection.requiredMatches(pod.spec, node)
    }

    static func termMatches(_ term: CoreV1.NodeSelectorTerm, _ node: CoreV1.Node) -> Bool? {
        NodeSelection.termMatches(term, node)
    }
}
