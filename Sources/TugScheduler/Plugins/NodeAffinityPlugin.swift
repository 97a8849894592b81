import TugAPI

/// Kubernetes' `NodeAffinity`: the filter requires `spec.nodeSelector` and the required node
/// affinity to match the node; the score sums the weights of the matching preferred terms.
public struct NodeAffinityPlugin: FilterPlugin, ScorePlugin {
    public let name = "NodeAffinity"
    public static let reason = "node(s) didn't match Pod's node affinity/selector"
    public let weight: Int

    public init(weight: Int = 2) {
        self.weight = weight
    }

    public func filter(_ pod: CoreV1.Pod, _ node: NodeInfo, _ state: CycleState) -> PluginStatus {
        // Most pods constrain nothing; skip reading the node at all for them.
        if (pod.spec?.nodeSelector ?? [:]).isEmpty, pod.spec?.affinity?.nodeAffinity?.requiredDuringSchedulingIgnoredDuringExecution == nil {
            return .success
        }
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

    /// `spec.nodeSelector` (every label equal) and the required terms (`GetRequiredNodeAffinity`).
    public static func requiredMatches(_ pod: CoreV1.Pod, _ node: CoreV1.Node) -> Bool {
        let labels = node.metadata.labels ?? [:]
        for (key, value) in pod.spec?.nodeSelector ?? [:] where labels[key] != value { return false }
        guard let required = pod.spec?.affinity?.nodeAffinity?.requiredDuringSchedulingIgnoredDuringExecution else {
            return true
        }
        // Terms are ORed; empty terms are skipped, so no terms at all match nothing. A term that
        // does not parse fails alone (Kubernetes' LazyErrorNodeSelector).
        for term in required.nodeSelectorTerms ?? [] {
            if termMatches(term, node) == true { return true }
        }
        return false
    }

    /// Whether one term matches: its expressions (labels) and fields all hold. `nil` when the term
    /// is empty or invalid, so it matches nothing.
    static func termMatches(_ term: CoreV1.NodeSelectorTerm, _ node: CoreV1.Node) -> Bool? {
        let expressions = term.matchExpressions ?? []
        let fields = term.matchFields ?? []
        if expressions.isEmpty && fields.isEmpty { return nil }
        // TugAPI's NodeSelectorRequirementsAsSelector; an invalid term matches nothing.
        let labelSelector = expressions.isEmpty ? Labels.Selector.everything : try? Labels.Selector(nodeSelectorRequirements: expressions)
        guard let labelSelector, let fieldRequirements = fieldRequirements(fields) else { return nil }
        if !labelSelector.matches(labels: node.metadata.labels ?? [:]) { return false }
        // Kubernetes only checks fields when the node has some (a name).
        let nodeName = node.metadata.name ?? ""
        if !nodeName.isEmpty && !fieldRequirements.allSatisfy({ $0.matches(nodeName) }) { return false }
        return true
    }

    /// `matchFields`: Kubernetes supports `In`/`NotIn` with exactly one value; the only node
    /// field is `metadata.name`, any other key reads as "".
    struct FieldRequirement {
        var key: String
        var equal: Bool
        var value: String

        func matches(_ nodeName: String) -> Bool {
            let actual = key == "metadata.name" ? nodeName : ""
            return (actual == value) == equal
        }
    }

    static func fieldRequirements(_ fields: [CoreV1.NodeSelectorRequirement]) -> [FieldRequirement]? {
        var out: [FieldRequirement] = []
        for expr in fields {
            guard let values = expr.values, values.count == 1 else { return nil }
            switch expr.operator ?? "" {
            case "In": out.append(FieldRequirement(key: expr.key ?? "", equal: true, value: values[0]))
            case "NotIn": out.append(FieldRequirement(key: expr.key ?? "", equal: false, value: values[0]))
            default: return nil
            }
        }
        return out
    }
}
