/// Whether a pod's required node constraints admit a node (Kubernetes'
/// `GetRequiredNodeAffinity(pod).Match`): the scheduler filters with it and the DaemonSet
/// controller decides with it which nodes should run a daemon pod.
public enum NodeSelection {
    /// `spec.nodeSelector` (every label equal) and the required node affinity terms.
    public static func requiredMatches(_ spec: CoreV1.PodSpec?, _ node: CoreV1.Node) -> Bool {
        let labels = node.metadata.labels ?? [:]
        for (key, value) in spec?.nodeSelector ?? [:] where labels[key] != value { return false }
        guard let required = spec?.affinity?.nodeAffinity?.requiredDuringSchedulingIgnoredDuringExecution else {
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
    public static func termMatches(_ term: CoreV1.NodeSelectorTerm, _ node: CoreV1.Node) -> Bool? {
        let expressions = term.matchExpressions ?? []
        let fields = term.matchFields ?? []
        if expressions.isEmpty && fields.isEmpty { return nil }
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
