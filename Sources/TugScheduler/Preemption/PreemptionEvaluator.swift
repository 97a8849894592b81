import Foundation
import TugAPI

/// Plugins whose pre-filter counts pods on other nodes, so that removing a pod from one node
/// changes their state: preemption runs their pre-filter again on the trimmed cluster.
public protocol CountsPodsAcrossNodes {}
extension InterPodAffinityPlugin: CountsPodsAcrossNodes {}
extension PodTopologySpreadPlugin: CountsPodsAcrossNodes {}

/// A node where evicting `victims` lets the pod fit.
public struct PreemptionCandidate: Sendable, Hashable {
    public var node: String
    /// Most important first.
    public var victims: [CoreV1.Pod]
    /// Victims whose eviction a PodDisruptionBudget does not allow.
    public var pdbViolations: Int
}

/// What preemption decided for a pod that fits nowhere.
public enum PreemptionOutcome: Sendable, Hashable {
    case preempt(PreemptionCandidate)
    /// No preemption; the message follows `preemption: ` in the pod's condition.
    case failed(String)

    /// kube-scheduler's PostFilter message (nil when preemption found a node).
    public var message: String? {
        if case .failed(let m) = self { return "preemption: " + m }
        return nil
    }
}

/// Kubernetes' `DefaultPreemption` dry run: on every node where a filter failed in a way
/// preemption can help, remove all pods of lower priority, check the pod fits, then put back
/// as many as possible (PDB-protected ones first, most important first); pick among the
/// candidates the node with the fewest PDB violations, then the lowest highest-victim priority,
/// the smallest sum of priorities, the fewest victims, the latest start among the most
/// important victims.
public struct PreemptionEvaluator: Sendable {
    public let framework: SchedulingFramework
    public static let notHelpful = "Preemption is not helpful for scheduling"
    public static let noVictims = "No preemption victims found for incoming pod"
    /// kube-scheduler looks for max(10% of the nodes, 100) candidates, not all.
    public static let minCandidateNodesPercentage = 10
    public static let minCandidateNodesAbsolute = 100

    public init(framework: SchedulingFramework) {
        self.framework = framework
    }

    public func evaluate(_ pod: CoreV1.Pod, nodes: [NodeInfo], fit: FitError, offset: Int = 0) -> PreemptionOutcome {
        if let reason = ineligibility(pod, nodes: nodes) { return .failed(reason) }
        let potential = fit.unresolvable ? [] : nodes.indices.filter { !fit.unresolvableNodes.contains(nodes[$0].name) }
        var statuses: [String: Int] = [:]
        if potential.isEmpty {
            statuses[Self.notHelpful] = nodes.count
            return .failed(FitError(numAllNodes: nodes.count, reasonCounts: statuses, unresolvable: true).message)
        }
        statuses[Self.notHelpful] = nodes.count - potential.count
        if statuses[Self.notHelpful] == 0 { statuses[Self.notHelpful] = nil }
        let base: SchedulingFramework.Prepared
        switch framework.prepare(pod, nodes: nodes) {
        case .success(let p): base = p
        case .failure(let e): return .failed(e.message)
        }
        let budgets = PDBTally(framework.cluster.disruptionBudgets)
        let wanted = min(potential.count, max(potential.count * Self.minCandidateNodesPercentage / 100, Self.minCandidateNodesAbsolute))
        var candidates: [PreemptionCandidate] = []
        for k in 0..<potential.count where candidates.count < wanted {
            let i = potential[(offset + k) % potential.count]
            switch victims(for: pod, at: i, nodes: nodes, base: base, budgets: budgets) {
            case .success(let c): candidates.append(c)
            case .failure(let reason): statuses[reason.text, default: 0] += 1
            }
        }
        guard let best = Self.pick(candidates) else {
            return .failed(FitError(numAllNodes: nodes.count, reasonCounts: statuses, unresolvable: false).message)
        }
        return .preempt(best)
    }

    /// kube-scheduler's `PodEligibleToPreemptOthers`.
    func ineligibility(_ pod: CoreV1.Pod, nodes: [NodeInfo]) -> String? {
        if pod.spec?.preemptionPolicy == "Never" { return "not eligible due to preemptionPolicy=Never." }
        // The nomination this scheduler just made counts before the API reports it.
        var nominated = pod.status?.nominatedNodeName ?? ""
        if nominated.isEmpty { nominated = framework.cluster.nominatedNode(of: pod.metadata.uid ?? "") ?? "" }
        if !nominated.isEmpty, let node = nodes.first(where: { $0.name == nominated }) {
            let priority = Self.priority(pod)
            let cluster = framework.cluster
            if node.pods.contains(where: { Self.priority($0) < priority && (Self.terminatingByPreemption($0) || cluster.isVictim($0.metadata.uid ?? "")) }) {
                return "not eligible due to a terminating pod on the nominated node."
            }
        }
        return nil
    }

    struct Reason: Error { var text: String }

    /// kube-scheduler's `SelectVictimsOnNode` for `nodes[index]`.
    func victims(for pod: CoreV1.Pod, at index: Int, nodes: [NodeInfo], base: SchedulingFramework.Prepared,
                 budgets: PDBTally) -> Result<PreemptionCandidate, Reason> {
        let node = nodes[index]
        let priority = Self.priority(pod)
        let lower = node.pods.filter { Self.priority($0) < priority }
        if lower.isEmpty { return .failure(Reason(text: Self.noVictims)) }
        let trimmed = NodeInfo(node: node.node, pods: node.pods.filter { Self.priority($0) >= priority })
        let recount = base.filters.contains { $0 is any CountsPodsAcrossNodes }
        func fits() -> PluginStatus {
            var prepared = base
            if recount {
                var changed = nodes
                changed[index] = trimmed
                switch framework.prepare(pod, nodes: changed) {
                case .success(let p): prepared = p
                case .failure(let e): return .unschedulable(e.reasonCounts.keys.sorted().first ?? Self.notHelpful)
                }
            }
            return framework.filter(pod, trimmed, prepared)
        }
        let status = fits()
        if !status.isSuccess { return .failure(Reason(text: status.reasons.first ?? Self.notHelpful)) }
        // Put back what can stay, protected pods first, the most important first.
        let sorted = lower.sorted(by: Self.moreImportant)
        let (violating, safe) = budgets.split(sorted)
        var victims: [CoreV1.Pod] = []
        var violations = 0
        for (group, isViolating) in [(violating, true), (safe, false)] {
            for p in group {
                trimmed.add(p)
                if !fits().isSuccess {
                    trimmed.remove(uid: p.metadata.uid ?? "")
                    victims.append(p)
                    if isViolating { violations += 1 }
                }
            }
        }
        victims.sort(by: Self.moreImportant)
        return .success(PreemptionCandidate(node: node.name, victims: victims, pdbViolations: violations))
    }

    /// kube-scheduler's `pickOneNodeForPreemption`.
    static func pick(_ candidates: [PreemptionCandidate]) -> PreemptionCandidate? {
        if let free = candidates.first(where: { $0.victims.isEmpty }) { return free }
        var remaining = candidates
        func keepMin<T: Comparable>(_ key: (PreemptionCandidate) -> T) {
            guard let best = remaining.map(key).min() else { return }
            remaining = remaining.filter { key($0) == best }
        }
        keepMin { $0.pdbViolations }
        keepMin { priority($0.victims[0]) }
        // Offset so that negative priorities still add up as smaller.
        keepMin { $0.victims.reduce(Int64(0)) { $0 + Int64(priority($1)) + Int64(Int32.max) + 1 } }
        keepMin { $0.victims.count }
        // The latest start among each node's highest-priority victims wins (one "now" for
        // victims without a start time, so that they compare equal).
        let now = Date()
        keepMin { c in
            let top = priority(c.victims[0])
            return -(c.victims.filter { priority($0) == top }.map { startTime($0, now: now) }.min() ?? now).timeIntervalSince1970
        }
        return remaining.first
    }

    static func priority(_ pod: CoreV1.Pod) -> Int { pod.spec?.priority ?? 0 }

    /// When the pod started; a pod without a start time counts as starting now.
    static func startTime(_ pod: CoreV1.Pod, now: Date = Date()) -> Date { pod.status?.startTime?.date ?? now }

    /// Higher priority, then earlier start.
    static func moreImportant(_ a: CoreV1.Pod, _ b: CoreV1.Pod) -> Bool {
        let pa = priority(a), pb = priority(b)
        if pa != pb { return pa > pb }
        let now = Date()
        return startTime(a, now: now) < startTime(b, now: now)
    }

    static func terminatingByPreemption(_ pod: CoreV1.Pod) -> Bool {
        guard pod.metadata.deletionTimestamp != nil else { return false }
        return (pod.status?.conditions ?? []).contains { $0.type == "DisruptionTarget" && $0.reason == "PreemptionByScheduler" }
    }
}

/// PodDisruptionBudgets as preemption reads them: each evicted pod a budget selects uses one of
/// its allowed disruptions; beyond that, the eviction violates the budget.
struct PDBTally {
    struct Budget {
        var namespace: String
        var selector: Labels.Selector
        var disrupted: Set<String>
        var allowed: Int
    }
    var budgets: [Budget]

    init(_ pdbs: [PolicyV1.PodDisruptionBudget]) {
        budgets = pdbs.compactMap { pdb in
            // A nil or empty selector matches nothing here, as in Kubernetes.
            guard let selector = try? Labels.Selector(pdb.spec?.selector), !selector.isEmpty, !selector.matchesNothing else { return nil }
            return Budget(namespace: pdb.metadata.namespace ?? "", selector: selector,
                          disrupted: Set((pdb.status?.disruptedPods ?? [:]).keys), allowed: pdb.status?.disruptionsAllowed ?? 0)
        }
    }

    /// The pods whose eviction would violate a budget, and the others (order kept).
    func split(_ pods: [CoreV1.Pod]) -> (violating: [CoreV1.Pod], safe: [CoreV1.Pod]) {
        var allowed = budgets.map(\.allowed)
        var violating: [CoreV1.Pod] = [], safe: [CoreV1.Pod] = []
        for pod in pods {
            var violated = false
            let labels = pod.metadata.labels ?? [:]
            if !labels.isEmpty {
                for (i, b) in budgets.enumerated() where b.namespace == pod.metadata.namespace && b.selector.matches(labels: labels) {
                    // Already being disrupted through the eviction API: not counted again.
                    if b.disrupted.contains(pod.metadata.name ?? "") { continue }
                    allowed[i] -= 1
                    if allowed[i] < 0 { violated = true }
                }
            }
            if violated { violating.append(pod) } else { safe.append(pod) }
        }
        return (violating, safe)
    }
}
