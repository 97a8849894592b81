import Synchronization
import TugAPI

/// A node and the pods the scheduler counts on it (bound, or assumed but not yet bound).
/// A class: the framework hands each node to every plugin for every pod, and a reference costs
/// one retain where a struct copy retained each of its arrays. Only `SchedulerCache` (an actor)
/// mutates it; plugins read it during a scheduling cycle, inside that actor.
public final class NodeInfo: @unchecked Sendable {
    public let node: CoreV1.Node
    public private(set) var pods: [CoreV1.Pod] = []
    /// Where each pod (by UID) sits in `pods`: a status update replaces its pod in O(1), which
    /// matters on a node with hundreds of pods.
    private var positions: [String: Int] = [:]
    /// Sum of the pods' requests (with `pods` = their count).
    public var requested = ResourceList()
    /// The same with kube-scheduler's non-zero defaults, for scoring.
    public var nonZeroRequested = ResourceList()
    public var allocatable: ResourceList
    /// Host ports in use: "protocol/hostIP/port".
    public private(set) var usedPorts: Set<String> = []
    /// How many pods here use each of `usedPorts` (two pods may ask for the same one).
    private var portUsers: [String: Int] = [:]
    /// The node's images by normalized name → size in bytes (for ImageLocality), computed once.
    public let imageSizes: [String: Int64]
    /// The pods here with pod (anti-)affinity, terms parsed (kube-scheduler's `PodsWithAffinity`).
    public private(set) var affinityPods: [AffinityPod] = []
    /// How many of them have required anti-affinity terms.
    public private(set) var requiredAntiAffinityPods = 0

    // What plugins read for every node of every pod, taken out of the Node once: reading them
    // through `node` copies the whole struct each time.
    public let name: String
    public let labels: [String: String]
    public let taints: [CoreV1.Taint]
    public let unschedulable: Bool

    public init(node: CoreV1.Node, pods: [CoreV1.Pod] = []) {
        self.node = node
        name = node.metadata.name ?? ""
        labels = node.metadata.labels ?? [:]
        taints = node.spec?.taints ?? []
        unschedulable = node.spec?.unschedulable == true
        allocatable = ResourceList(node.status?.allocatable ?? node.status?.capacity)
        imageSizes = ImageLocalityPlugin.images(of: node)
        for p in pods { add(p) }
    }

    public func add(_ pod: CoreV1.Pod) {
        if let uid = pod.metadata.uid { positions[uid] = pods.count }
        pods.append(pod)
        var r = PodRequests.of(pod)
        r.pods = 1
        requested.add(r)
        var nz = PodRequests.of(pod, nonZero: true)
        nz.pods = 1
        nonZeroRequested.add(nz)
        for key in Self.hostPorts(pod) {
            portUsers[key, default: 0] += 1
            usedPorts.insert(key)
        }
        if let a = AffinityPod(pod) {
            affinityPods.append(a)
            if !a.requiredAntiAffinity.isEmpty { requiredAntiAffinityPods += 1 }
            AffinityPod.inCluster.add(1, ordering: .relaxed)
        }
    }

    deinit {
        if !affinityPods.isEmpty { AffinityPod.inCluster.subtract(affinityPods.count, ordering: .relaxed) }
    }

    public func remove(uid: String) {
        guard let i = positions.removeValue(forKey: uid) else { return }
        // The last pod takes the removed one's place (the order of `pods` means nothing).
        let pod = pods.removeLast()
        let removed: CoreV1.Pod
        if i < pods.count {
            removed = pods[i]
            pods[i] = pod
            if let moved = pod.metadata.uid { positions[moved] = i }
        } else {
            removed = pod
        }
        forget(removed, uid: uid)
    }

    private func forget(_ pod: CoreV1.Pod, uid: String) {
        var r = PodRequests.of(pod)
        r.pods = 1
        requested.subtract(r)
        var nz = PodRequests.of(pod, nonZero: true)
        nz.pods = 1
        nonZeroRequested.subtract(nz)
        for key in Self.hostPorts(pod) {
            let left = (portUsers[key] ?? 1) - 1
            portUsers[key] = left > 0 ? left : nil
            if left <= 0 { usedPorts.remove(key) }
        }
        if let j = affinityPods.firstIndex(where: { $0.pod.metadata.uid == uid }) {
            let a = affinityPods.remove(at: j)
            if !a.requiredAntiAffinity.isEmpty { requiredAntiAffinityPods -= 1 }
            AffinityPod.inCluster.subtract(1, ordering: .relaxed)
        }
    }

    /// "TCP/0.0.0.0/8080" per host port the pod asks for.
    public static func hostPorts(_ pod: CoreV1.Pod) -> [String] {
        var out: [String] = []
        for list in [pod.spec?.containers, pod.spec?.initContainers] {
            for c in list ?? [] {
                for p in c.ports ?? [] {
                    guard let hp = p.hostPort, hp > 0 else { continue }
                    let ip = (p.hostIP ?? "").isEmpty ? "0.0.0.0" : p.hostIP!
                    out.append("\(p.protocol ?? "TCP")/\(ip)/\(hp)")
                }
            }
        }
        return out
    }
}
