import TugAPI

/// The scheduler's view of nodes and the pods on them, including pods it has assumed onto a
/// node before their binding is confirmed, so the next pod already sees that decision.
/// Scheduling runs inside this actor on its node list, so no per-pod copy of the cluster is made.
public actor SchedulerCache {
    var nodes: [NodeInfo] = []
    private var index: [String: Int] = [:]
    /// Pod uid → node, for every pod counted on a node.
    private var placed: [String: String] = [:]
    /// Pods counted because the scheduler chose their node, not yet seen bound.
    private var assumed: Set<String> = []
    private var startIndex = 0
    /// Tie-breaks need speed, not secrecy: the system generator costs a syscall per draw.
    private var random = SplitMix64(seed: UInt64.random(in: .min ... .max))

    public init() {}

    public var nodeCount: Int { nodes.count }
    public func nodeInfo(_ name: String) -> NodeInfo? { index[name].map { nodes[$0] } }

    public func updateNode(_ node: CoreV1.Node) {
        let name = node.metadata.name ?? ""
        if let i = index[name] {
            nodes[i] = NodeInfo(node: node, pods: nodes[i].pods)
        } else {
            index[name] = nodes.count
            nodes.append(NodeInfo(node: node))
        }
    }

    public func removeNode(_ name: String) {
        guard let i = index.removeValue(forKey: name) else { return }
        for p in nodes[i].pods { if let uid = p.metadata.uid { placed[uid] = nil; assumed.remove(uid) } }
        let last = nodes.count - 1
        if i != last {
            nodes[i] = nodes[last]
            index[nodes[i].name] = i
        }
        nodes.removeLast()
    }

    /// A pod the API says is bound (or changed while bound): counted on its node once.
    public func addOrUpdateBoundPod(_ pod: CoreV1.Pod) {
        guard let uid = pod.metadata.uid, let node = pod.spec?.nodeName, !node.isEmpty else { return }
        if Self.isFinished(pod) {
            removePod(uid: uid)
            return
        }
        if let current = placed[uid] {
            if assumed.remove(uid) != nil, current == node { replace(uid: uid, with: pod, on: node); return }
            if let i = index[current] { nodes[i].remove(uid: uid) }
        }
        placed[uid] = node
        if let i = index[node] { nodes[i].add(pod) }
    }

    private func replace(uid: String, with pod: CoreV1.Pod, on node: String) {
        guard let i = index[node] else { return }
        nodes[i].remove(uid: uid)
        nodes[i].add(pod)
    }

    public func removePod(uid: String) {
        guard let node = placed.removeValue(forKey: uid) else { return }
        assumed.remove(uid)
        if let i = index[node] { nodes[i].remove(uid: uid) }
    }

    /// Succeeded and failed pods no longer hold resources.
    static func isFinished(_ pod: CoreV1.Pod) -> Bool {
        let phase = pod.status?.phase ?? ""
        return phase == "Succeeded" || phase == "Failed"
    }

    /// Runs the framework for `pod` and, on success, assumes it onto the chosen node.
    public func scheduleAndAssume(_ pod: CoreV1.Pod, framework: SchedulingFramework) -> Result<SchedulingFramework.Decision, FitError> {
        let result = framework.schedule(pod, nodes: nodes, startIndex: &startIndex, random: { Int.random(in: 0..<$0, using: &random) })
        if case .success(let d) = result, let uid = pod.metadata.uid, let i = index[d.node] {
            var p = pod
            var spec = p.spec ?? CoreV1.PodSpec()
            spec.nodeName = d.node
            p.spec = spec
            if let old = placed[uid], let j = index[old] { nodes[j].remove(uid: uid) }
            nodes[i].add(p)
            placed[uid] = d.node
            assumed.insert(uid)
        }
        return result
    }

    /// The binding failed: the assumed pod no longer counts.
    public func forget(uid: String) {
        guard assumed.contains(uid) else { return }
        removePod(uid: uid)
    }
}

/// A small, fast pseudo-random generator (Vigna's SplitMix64).
struct SplitMix64: RandomNumberGenerator {
    var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}
