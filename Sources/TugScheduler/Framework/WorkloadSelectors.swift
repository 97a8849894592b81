import Synchronization
import TugAPI

/// The selectors of Services, ReplicationControllers, ReplicaSets and StatefulSets, as the
/// scheduler last saw them: what kube-scheduler's `DefaultSelector` reads to spread a pod's
/// siblings when the pod has no topology spread constraints of its own.
public final class WorkloadSelectors: Sendable {
    /// namespace → name → selector map (Services, ReplicationControllers).
    private let services = Mutex<[String: [String: [String: String]]]>([:])
    private let replicationControllers = Mutex<[String: [String: [String: String]]]>([:])
    /// namespace → name → parsed selector (ReplicaSets, StatefulSets).
    private let replicaSets = Mutex<[String: [String: Labels.Selector]]>([:])
    private let statefulSets = Mutex<[String: [String: Labels.Selector]]>([:])

    public init() {}

    public func setService(_ s: CoreV1.Service) { put(services, s.metadata, s.spec?.selector) }
    public func removeService(_ s: CoreV1.Service) { put(services, s.metadata, nil) }
    public func setReplicationController(_ rc: CoreV1.ReplicationController) { put(replicationControllers, rc.metadata, rc.spec?.selector) }
    public func removeReplicationController(_ rc: CoreV1.ReplicationController) { put(replicationControllers, rc.metadata, nil) }
    public func setReplicaSet(_ rs: AppsV1.ReplicaSet) { put(replicaSets, rs.metadata, try? Labels.Selector(rs.spec?.selector)) }
    public func removeReplicaSet(_ rs: AppsV1.ReplicaSet) { put(replicaSets, rs.metadata, nil) }
    public func setStatefulSet(_ ss: AppsV1.StatefulSet) { put(statefulSets, ss.metadata, try? Labels.Selector(ss.spec?.selector)) }
    public func removeStatefulSet(_ ss: AppsV1.StatefulSet) { put(statefulSets, ss.metadata, nil) }

    private func put<V: Sendable>(_ map: borrowing Mutex<[String: [String: V]]>, _ meta: MetaV1.ObjectMeta, _ value: V?) {
        let ns = meta.namespace ?? "", name = meta.name ?? ""
        map.withLock { m in
            m[ns, default: [:]][name] = value
            if m[ns]?.isEmpty == true { m[ns] = nil }
        }
    }

    /// Kubernetes' `DefaultSelector`: the labels of every Service selecting the pod, plus its
    /// controlling ReplicationController's, ReplicaSet's or StatefulSet's selector. Nil when
    /// that selects nothing in particular (the pod then gets no default constraints).
    public func defaultSelector(for pod: CoreV1.Pod) -> Labels.Selector? {
        let ns = pod.metadata.namespace ?? "", labels = pod.metadata.labels ?? [:]
        var set: [String: String] = [:]
        for selector in services.withLock({ Array(($0[ns] ?? [:]).values) }) where !selector.isEmpty {
            if selector.allSatisfy({ labels[$0.key] == $0.value }) { set.merge(selector) { a, _ in a } }
        }
        var selector = Labels.Selector(matching: set)
        if let owner = pod.metadata.ownerReferences?.first(where: { $0.controller == true }), let name = owner.name {
            switch (owner.apiVersion ?? "", owner.kind ?? "") {
            case ("v1", "ReplicationController"):
                if let rc = replicationControllers.withLock({ $0[ns]?[name] }) {
                    set.merge(rc) { a, _ in a }
                    selector = Labels.Selector(matching: set)
                }
            case ("apps/v1", "ReplicaSet"):
                if let rs = replicaSets.withLock({ $0[ns]?[name] }), !rs.matchesNothing { selector = selector.adding(rs.requirements) }
            case ("apps/v1", "StatefulSet"):
                if let ss = statefulSets.withLock({ $0[ns]?[name] }), !ss.matchesNothing { selector = selector.adding(ss.requirements) }
            default: break
            }
        }
        return selector.isEmpty ? nil : selector
    }
}
