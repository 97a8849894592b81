import Synchronization
import TugAPI

/// Data plugins compute once per scheduling cycle (in `preFilter`) and read in filter/score.
public final class CycleState: Sendable {
    private let values = Mutex<[String: any Sendable]>([:])
    /// Namespaces, nominated pods and disruption budgets, as the scheduler last saw them.
    public let cluster: ClusterObjects

    /// The cycle's pod's requests, plain and with the non-zero defaults, when the state was made
    /// for a pod: read by several plugins for every node, so computed once and read without a
    /// lock (no hashing, no dynamic cast).
    private let known: (plain: ResourceList, nonZero: ResourceList)?

    public init(cluster: ClusterObjects = ClusterObjects(), pod: CoreV1.Pod? = nil) {
        self.cluster = cluster
        known = pod.map { (PodRequests.of($0), PodRequests.of($0, nonZero: true)) }
    }

    /// The pod's requests (with the non-zero scoring defaults when asked): the cycle's, or
    /// computed for a state made without a pod (plugin tests).
    public func requests(of pod: CoreV1.Pod, nonZero: Bool = false) -> ResourceList {
        if let known { return nonZero ? known.nonZero : known.plain }
        return PodRequests.of(pod, nonZero: nonZero)
    }

    public func write(_ key: String, _ value: any Sendable) { values.withLock { $0[key] = value } }
    public func read<T: Sendable>(_ key: String, as: T.Type = T.self) -> T? { values.withLock { $0[key] as? T } }
}
