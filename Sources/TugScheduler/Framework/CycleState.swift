import Synchronization
import TugAPI

/// Data plugins compute once per scheduling cycle (in `preFilter`) and read in filter/score.
public final class CycleState: Sendable {
    private let values = Mutex<[String: any Sendable]>([:])
    /// Namespaces, nominated pods and disruption budgets, as the scheduler last saw them.
    public let cluster: ClusterObjects

    public init(cluster: ClusterObjects = ClusterObjects()) {
        self.cluster = cluster
    }

    /// The pod's requests (with the non-zero scoring defaults when asked), computed once per cycle.
    public func requests(of pod: CoreV1.Pod, nonZero: Bool = false) -> ResourceList {
        let key = nonZero ? "pod.requests.nonZero" : "pod.requests"
        if let r = read(key, as: ResourceList.self) { return r }
        let r = PodRequests.of(pod, nonZero: nonZero)
        write(key, r)
        return r
    }

    public func write(_ key: String, _ value: any Sendable) { values.withLock { $0[key] = value } }
    public func read<T: Sendable>(_ key: String, as: T.Type = T.self) -> T? { values.withLock { $0[key] as? T } }
}
