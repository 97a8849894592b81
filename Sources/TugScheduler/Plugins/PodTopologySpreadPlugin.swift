import Foundation
import TugAPI

/// Kubernetes' `PodTopologySpread`. `DoNotSchedule` constraints filter: on a node, the pods
/// matching the constraint's selector in the node's domain, plus the pod itself when it
/// matches, minus the emptiest eligible domain, must not exceed `maxSkew`. `ScheduleAnyway`
/// constraints score: fewer matching pods in the node's domains is better.
///
/// Pods without constraints of their own that belong to a Service, ReplicaSet, StatefulSet or
/// ReplicationController get Kubernetes' system defaults for scoring (hostname maxSkew 3, zone
/// maxSkew 5, ScheduleAnyway, over `DefaultSelector`); a node lacking one of those keys is then
/// scored on the others rather than left out.
public struct PodTopologySpreadPlugin: PreFilterPlugin, FilterPlugin, PreScorePlugin, ScorePlugin {
    public let name = "PodTopologySpread"
    public let weight: Int

    public static let reason = "node(s) didn't match pod topology spread constraints"
    public static let missingLabelReason = "node(s) didn't match pod topology spread constraints (missing required label)"
    static let hostnameKey = "kubernetes.io/hostname"
    static let filterKey = "podTopologySpread.filter"
    static let scoreKey = "podTopologySpread.score"

    public init(weight: Int = 2) {
        self.weight = weight
    }

    /// One constraint, parsed (`matchLabelKeys` folded into the selector).
    struct Constraint: Sendable {
        var maxSkew: Int
        var topologyKey: String
        var selector: Labels.Selector
        var minDomains: Int
        var honorNodeAffinity: Bool
        var honorTaints: Bool

        /// A system default constraint: ScheduleAnyway, default inclusion policies.
        init(maxSkew: Int, topologyKey: String, selector: Labels.Selector) {
            self.maxSkew = maxSkew
            self.topologyKey = topologyKey
            self.selector = selector
            minDomains = 1
            honorNodeAffinity = true
            honorTaints = false
        }

        init(_ c: CoreV1.TopologySpreadConstraint, pod: CoreV1.Pod) {
            maxSkew = c.maxSkew ?? 1
            topologyKey = c.topologyKey ?? ""
            var selector = (try? Labels.Selector(c.labelSelector)) ?? .nothing
            let labels = pod.metadata.labels ?? [:]
            let extra = (c.matchLabelKeys ?? []).compactMap { key in labels[key].map { Labels.Requirement(unchecked: key, .in, [$0]) } }
            if !extra.isEmpty { selector = selector.adding(extra) }
            self.selector = selector
            minDomains = c.minDomains ?? 1
            // Kubernetes' defaults: node affinity Honor, taints Ignore.
            honorNodeAffinity = (c.nodeAffinityPolicy ?? "Honor") == "Honor"
            honorTaints = (c.nodeTaintsPolicy ?? "Ignore") == "Honor"
        }

        /// Whether the node's pods count towards its domain (the inclusion policies).
        func includes(_ node: NodeInfo, for pod: CoreV1.Pod) -> Bool {
            if honorNodeAffinity && !NodeAffinityPlugin.requiredMatches(pod, node.node) { return false }
            if honorTaints {
                let tolerations = pod.spec?.tolerations ?? []
                for taint in node.taints where taint.effect == "NoSchedule" || taint.effect == "NoExecute" {
                    if !tolerations.contains(where: { $0.tolerates(taint) }) { return false }
                }
            }
            return true
        }

        /// Pods on the node in the pod's namespace, not terminating, that the selector matches.
        func count(on node: NodeInfo, namespace: String) -> Int {
            if selector.matchesNothing { return 0 }
            var n = 0
            for p in node.pods where p.metadata.deletionTimestamp == nil && p.metadata.namespace == namespace {
                if selector.matches(labels: p.metadata.labels ?? [:]) { n += 1 }
            }
            return n
        }
    }

    static func constraints(_ pod: CoreV1.Pod, _ when: String) -> [Constraint] {
        (pod.spec?.topologySpreadConstraints ?? []).filter { $0.whenUnsatisfiable == when }.map { Constraint($0, pod: pod) }
    }

    static func hasAllKeys(_ labels: [String: String], _ constraints: [Constraint]) -> Bool {
        constraints.allSatisfy { labels[$0.topologyKey] != nil }
    }

    // MARK: filter

    struct FilterState: Sendable {
        var constraints: [Constraint]
        /// Per constraint: domain value → matching pods.
        var counts: [[String: Int]]
        /// Per constraint: the smallest count over the eligible domains (0 when fewer than minDomains).
        var minimum: [Int]
    }

    public func preFilter(_ pod: CoreV1.Pod, nodes: [NodeInfo], state: CycleState) -> PluginStatus {
        let constraints = Self.constraints(pod, "DoNotSchedule")
        if constraints.isEmpty { return .skip }
        let namespace = pod.metadata.namespace ?? ""
        var counts = [[String: Int]](repeating: [:], count: constraints.count)
        for node in nodes {
            let labels = node.labels
            guard Self.hasAllKeys(labels, constraints) else { continue }
            for (i, c) in constraints.enumerated() where c.includes(node, for: pod) {
                counts[i][labels[c.topologyKey]!, default: 0] += c.count(on: node, namespace: namespace)
            }
        }
        let minimum = constraints.indices.map { i in
            counts[i].count < constraints[i].minDomains ? 0 : (counts[i].values.min() ?? Int(Int32.max))
        }
        state.write(Self.filterKey, FilterState(constraints: constraints, counts: counts, minimum: minimum))
        return .success
    }

    public func filter(_ pod: CoreV1.Pod, _ node: NodeInfo, _ state: CycleState) -> PluginStatus {
        guard let s = state.read(Self.filterKey, as: FilterState.self) else { return .success }
        let labels = node.labels
        let podLabels = pod.metadata.labels ?? [:]
        for (i, c) in s.constraints.enumerated() {
            guard let value = labels[c.topologyKey] else { return .unresolvable(Self.missingLabelReason) }
            let selfMatch = c.selector.matches(labels: podLabels) ? 1 : 0
            let skew = (s.counts[i][value] ?? 0) + selfMatch - s.minimum[i]
            if skew > c.maxSkew { return .unschedulable(Self.reason) }
        }
        return .success
    }

    // MARK: score

    struct ScoreState: Sendable {
        var constraints: [Constraint]
        /// Per constraint (not hostname): domain value → matching pods.
        var counts: [[String: Int]]
        /// Per constraint: log(number of domains + 2), so that a key with more domains weighs more.
        var weights: [Double]
        var ignored: Set<String>
        var namespace: String
    }

    static let zoneKey = "topology.kubernetes.io/zone"

    /// Kubernetes' system default constraints, for a pod with none of its own.
    static func systemDefaults(_ pod: CoreV1.Pod, _ state: CycleState) -> [Constraint] {
        guard (pod.spec?.topologySpreadConstraints ?? []).isEmpty,
              let selector = state.cluster.workloads.defaultSelector(for: pod) else { return [] }
        return [Constraint(maxSkew: 3, topologyKey: hostnameKey, selector: selector),
                Constraint(maxSkew: 5, topologyKey: zoneKey, selector: selector)]
    }

    public func preScore(_ pod: CoreV1.Pod, feasible: [NodeInfo], all: [NodeInfo], state: CycleState) -> PluginStatus {
        var constraints = Self.constraints(pod, "ScheduleAnyway")
        // With the pod's own constraints every topology key is required of a node; with the system defaults not.
        let requireAll = !(pod.spec?.topologySpreadConstraints ?? []).isEmpty
        if constraints.isEmpty { constraints = Self.systemDefaults(pod, state) }
        if constraints.isEmpty || feasible.isEmpty { return .skip }
        var s = ScoreState(constraints: constraints, counts: Array(repeating: [:], count: constraints.count),
                           weights: [], ignored: [], namespace: pod.metadata.namespace ?? "")
        var domains = [Int](repeating: 0, count: constraints.count)
        for node in feasible {
            let labels = node.labels
            if requireAll, !Self.hasAllKeys(labels, constraints) { s.ignored.insert(node.name); continue }
            for (i, c) in constraints.enumerated() where c.topologyKey != Self.hostnameKey {
                guard let value = labels[c.topologyKey] else { continue }
                if s.counts[i][value] == nil { s.counts[i][value] = 0; domains[i] += 1 }
            }
        }
        s.weights = constraints.indices.map { i in
            let size = constraints[i].topologyKey == Self.hostnameKey ? feasible.count - s.ignored.count : domains[i]
            return log(Double(size + 2))
        }
        // Count over all nodes, but only in domains that some feasible node is in.
        for node in all {
            let labels = node.labels
            if requireAll, !Self.hasAllKeys(labels, constraints) { continue }
            for (i, c) in constraints.enumerated() where c.topologyKey != Self.hostnameKey {
                guard let value = labels[c.topologyKey], s.counts[i][value] != nil, c.includes(node, for: pod) else { continue }
                s.counts[i][value]! += c.count(on: node, namespace: s.namespace)
            }
        }
        state.write(Self.scoreKey, s)
        return .success
    }

    /// Matching pods in the node's domains, each weighted, plus maxSkew - 1; -1 marks a node
    /// lacking a topology label (it scores 0 after `normalize`).
    public func score(_ pod: CoreV1.Pod, _ node: NodeInfo, _ state: CycleState) -> Int {
        guard let s = state.read(Self.scoreKey, as: ScoreState.self) else { return 0 }
        if s.ignored.contains(node.name) { return -1 }
        let labels = node.labels
        var total = 0.0
        for (i, c) in s.constraints.enumerated() {
            guard let value = labels[c.topologyKey] else { continue }
            let count = c.topologyKey == Self.hostnameKey ? c.count(on: node, namespace: s.namespace) : (s.counts[i][value] ?? 0)
            total += Double(count) * s.weights[i] + Double(c.maxSkew - 1)
        }
        return Int(total.rounded())
    }

    /// Fewer is better: the emptiest node gets 100, as in Kubernetes.
    public func normalize(_ scores: inout [Int]) {
        var lo = Int.max, hi = 0
        for s in scores where s >= 0 {
            lo = min(lo, s)
            hi = max(hi, s)
        }
        for i in scores.indices {
            if scores[i] < 0 { scores[i] = 0 } else if hi == 0 { scores[i] = maxScore } else { scores[i] = maxScore * (hi + lo - scores[i]) / hi }
        }
    }
}
