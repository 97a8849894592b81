import Synchronization
import TugAPI

/// What plugins and preemption need to know about the cluster besides nodes and their pods:
/// namespace labels (affinity `namespaceSelector`), pods nominated to a node by preemption, and
/// PodDisruptionBudgets. The scheduler's informers keep it current; the framework hands it to
/// every cycle through `CycleState.cluster`. Safe to read from any thread.
public final class ClusterObjects: Sendable {
    private let namespaceLabels = Mutex<[String: [String: String]]>([:])
    /// Selectors of the workloads pods belong to (for PodTopologySpread's default constraints).
    public let workloads = WorkloadSelectors()
    private let nominated = Mutex<[String: [String: CoreV1.Pod]]>([:])   // node → uid → pod
    private let nominatedNode = Mutex<[String: String]>([:])               // uid → node
    private let budgets = Mutex<[String: PolicyV1.PodDisruptionBudget]>([:])
    /// Pods chosen as preemption victims, until they are gone.
    private let victims = Mutex<Set<String>>([])

    public init() {}

    // MARK: namespaces

    public func setNamespace(_ ns: CoreV1.Namespace) {
        let name = ns.metadata.name ?? ""
        namespaceLabels.withLock { $0[name] = ns.metadata.labels ?? [:] }
    }

    public func removeNamespace(_ name: String) { namespaceLabels.withLock { $0[name] = nil } }

    /// A namespace's labels; one not seen yet has the label the API server gives every namespace.
    public func labels(ofNamespace name: String) -> [String: String] {
        namespaceLabels.withLock { $0[name] } ?? ["kubernetes.io/metadata.name": name]
    }

    // MARK: nominated pods

    /// Records (or, when the pod is bound, finished or no longer nominated, forgets) the node
    /// preemption nominated an unbound pod for.
    public func updateNominated(_ pod: CoreV1.Pod) {
        guard let uid = pod.metadata.uid else { return }
        let node = pod.status?.nominatedNodeName ?? ""
        let bound = !(pod.spec?.nodeName ?? "").isEmpty
        if node.isEmpty || bound || pod.metadata.deletionTimestamp != nil {
            // One lookup in the common case (never nominated): every pod event comes here.
            if nominatedNode.withLock({ $0[uid] != nil }) { dropNomination(uid) }
            return
        }
        nominated.withLock { byNode in
            nominatedNode.withLock { byUID in
                if let old = byUID[uid], old != node { byNode[old]?[uid] = nil }
                byUID[uid] = node
            }
            byNode[node, default: [:]][uid] = pod
        }
    }

    /// The pod is gone: it neither holds a node nor is a victim any more.
    public func removeNominated(uid: String) {
        victims.withLock { _ = $0.remove(uid) }
        dropNomination(uid)
    }

    private func dropNomination(_ uid: String) {
        nominated.withLock { byNode in
            guard let node = nominatedNode.withLock({ $0.removeValue(forKey: uid) }) else { return }
            byNode[node]?[uid] = nil
            if byNode[node]?.isEmpty == true { byNode[node] = nil }
        }
    }

    /// Pods nominated to `node` other than `except`.
    public func nominatedPods(on node: String, except uid: String? = nil) -> [CoreV1.Pod] {
        nominated.withLock { byNode in
            guard let pods = byNode[node] else { return [] }
            return pods.filter { $0.key != uid }.map(\.value)
        }
    }

    /// The node `uid` is nominated to, if any.
    public func nominatedNode(of uid: String) -> String? { nominatedNode.withLock { $0[uid] } }

    /// Records a preemption decision at once, before the API reports it: the preemptor holds
    /// the node and the victims count as leaving.
    public func recordPreemption(of pod: CoreV1.Pod, node: String, victims uids: [String]) {
        var nominatedPod = pod
        var status = nominatedPod.status ?? CoreV1.PodStatus()
        status.nominatedNodeName = node
        nominatedPod.status = status
        updateNominated(nominatedPod)
        victims.withLock { $0.formUnion(uids) }
    }

    /// A pod preemption chose to evict (forgotten when the pod is deleted).
    public func isVictim(_ uid: String) -> Bool { victims.withLock { $0.contains(uid) } }

    public var hasNominatedPods: Bool { nominated.withLock { !$0.isEmpty } }

    // MARK: disruption budgets

    public func setBudget(_ pdb: PolicyV1.PodDisruptionBudget) {
        budgets.withLock { $0[(pdb.metadata.namespace ?? "") + "/" + (pdb.metadata.name ?? "")] = pdb }
    }

    public func removeBudget(_ pdb: PolicyV1.PodDisruptionBudget) {
        budgets.withLock { $0[(pdb.metadata.namespace ?? "") + "/" + (pdb.metadata.name ?? "")] = nil }
    }

    public var disruptionBudgets: [PolicyV1.PodDisruptionBudget] { budgets.withLock { Array($0.values) } }
}
