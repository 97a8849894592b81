import Synchronization
import TugAPI

/// One pod (anti-)affinity term, parsed once (kube-scheduler's `AffinityTerm`): which pods it
/// selects (namespaces, namespace selector, label selector with `matchLabelKeys` and
/// `mismatchLabelKeys` already folded in, as the API server does) and over which topology key.
public struct AffinityTerm: Sendable, Hashable {
    public let namespaces: Set<String>
    /// Nil and invalid selectors match nothing; an empty one every namespace.
    public let namespaceSelector: Labels.Selector
    public let selector: Labels.Selector
    public let topologyKey: String
    public let weight: Int

    /// `owner` is the pod the term belongs to: its namespace is the default, its labels feed
    /// `matchLabelKeys` (`key In (value)`) and `mismatchLabelKeys` (`key NotIn (value)`).
    public init(_ term: CoreV1.PodAffinityTerm, owner: CoreV1.Pod, weight: Int = 0) {
        let ownNamespace = owner.metadata.namespace ?? ""
        var namespaces = Set(term.namespaces ?? [])
        if namespaces.isEmpty && term.namespaceSelector == nil { namespaces = [ownNamespace] }
        self.namespaces = namespaces
        namespaceSelector = (try? Labels.Selector(term.namespaceSelector)) ?? .nothing
        var selector = (try? Labels.Selector(term.labelSelector)) ?? .nothing
        // Keys the owner lacks are ignored; nothing is added to a nil selector.
        if term.labelSelector != nil {
            let labels = owner.metadata.labels ?? [:]
            var extra: [Labels.Requirement] = []
            for key in term.matchLabelKeys ?? [] { if let v = labels[key] { extra.append(Labels.Requirement(unchecked: key, .in, [v])) } }
            for key in term.mismatchLabelKeys ?? [] { if let v = labels[key] { extra.append(Labels.Requirement(unchecked: key, .notIn, [v])) } }
            if !extra.isEmpty { selector = selector.adding(extra) }
        }
        self.selector = selector
        topologyKey = term.topologyKey ?? ""
        self.weight = weight
    }

    /// Whether `pod` is one the term selects (kube-scheduler's `AffinityTerm.Matches`).
    public func matches(_ pod: CoreV1.Pod, namespaceLabels: (String) -> [String: String]) -> Bool {
        let ns = pod.metadata.namespace ?? ""
        guard namespaces.contains(ns) || (!namespaceSelector.matchesNothing && namespaceSelector.matches(labels: namespaceLabels(ns))) else {
            return false
        }
        return selector.matches(labels: pod.metadata.labels ?? [:])
    }
}

/// A pod with pod affinity or anti-affinity and its parsed terms, kept on its node so that each
/// scheduling cycle does not parse every existing pod's terms again.
public struct AffinityPod: Sendable {
    public let pod: CoreV1.Pod
    public let requiredAffinity: [AffinityTerm]
    public let requiredAntiAffinity: [AffinityTerm]
    public let preferredAffinity: [AffinityTerm]
    public let preferredAntiAffinity: [AffinityTerm]

    /// Nil when the pod has neither pod affinity nor anti-affinity.
    public init?(_ pod: CoreV1.Pod) {
        guard let affinity = pod.spec?.affinity, affinity.podAffinity != nil || affinity.podAntiAffinity != nil else { return nil }
        self.pod = pod
        requiredAffinity = (affinity.podAffinity?.requiredDuringSchedulingIgnoredDuringExecution ?? []).map { AffinityTerm($0, owner: pod) }
        requiredAntiAffinity = (affinity.podAntiAffinity?.requiredDuringSchedulingIgnoredDuringExecution ?? []).map { AffinityTerm($0, owner: pod) }
        preferredAffinity = Self.weighted(affinity.podAffinity?.preferredDuringSchedulingIgnoredDuringExecution, owner: pod)
        preferredAntiAffinity = Self.weighted(affinity.podAntiAffinity?.preferredDuringSchedulingIgnoredDuringExecution, owner: pod)
    }

    static func weighted(_ terms: [CoreV1.WeightedPodAffinityTerm]?, owner: CoreV1.Pod) -> [AffinityTerm] {
        (terms ?? []).compactMap { t in
            guard let term = t.podAffinityTerm else { return nil }
            return AffinityTerm(term, owner: owner, weight: t.weight ?? 0)
        }
    }

    /// How many pods with affinity terms every `NodeInfo` alive holds together. Zero lets the
    /// plugins skip scanning nodes (the common case: nobody uses affinity). Shared by all caches
    /// in the process, so it can only err towards scanning, never towards missing a pod.
    public static let inCluster = Atomic<Int>(0)
}
