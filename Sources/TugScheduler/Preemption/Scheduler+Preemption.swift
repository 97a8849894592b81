import TugAPI
import TugClient

extension Scheduler {
    /// Evicts the victims and nominates the node when preemption found one.
    func carryOut(_ outcome: PreemptionOutcome, for pod: CoreV1.Pod) async {
        guard case .preempt(let candidate) = outcome else { return }
        logger.debug("preempting \(candidate.victims.count) pod(s) on \(candidate.node) for \(pod.metadata.name ?? "")")
        await PreemptionExecutor(client: client, cluster: framework.cluster, logger: logger, schedulerName: schedulerName)
            .execute(pod, candidate)
    }

    /// Keeps `framework.cluster` current: namespace labels (affinity namespace selectors) and
    /// PodDisruptionBudgets (preemption).
    func runClusterObjectInformers() async {
        let cluster = framework.cluster
        let namespaces = Informer<CoreV1.Namespace>(client: client, logger: logger)
        let budgets = Informer<PolicyV1.PodDisruptionBudget>(client: client, logger: logger)
        await namespaces.addHandler { event in
            switch event {
            case .added(let ns), .updated(_, let ns): cluster.setNamespace(ns)
            case .deleted(let ns): cluster.removeNamespace(ns.metadata.name ?? "")
            }
        }
        await budgets.addHandler { event in
            switch event {
            case .added(let pdb), .updated(_, let pdb): cluster.setBudget(pdb)
            case .deleted(let pdb): cluster.removeBudget(pdb)
            }
        }
        let services = Informer<CoreV1.Service>(client: client, logger: logger)
        let controllers = Informer<CoreV1.ReplicationController>(client: client, logger: logger)
        let replicaSets = Informer<AppsV1.ReplicaSet>(client: client, logger: logger)
        let statefulSets = Informer<AppsV1.StatefulSet>(client: client, logger: logger)
        let workloads = cluster.workloads
        await services.addHandler { event in
            switch event {
            case .added(let s), .updated(_, let s): workloads.setService(s)
            case .deleted(let s): workloads.removeService(s)
            }
        }
        await controllers.addHandler { event in
            switch event {
            case .added(let rc), .updated(_, let rc): workloads.setReplicationController(rc)
            case .deleted(let rc): workloads.removeReplicationController(rc)
            }
        }
        await replicaSets.addHandler { event in
            switch event {
            case .added(let rs), .updated(_, let rs): workloads.setReplicaSet(rs)
            case .deleted(let rs): workloads.removeReplicaSet(rs)
            }
        }
        await statefulSets.addHandler { event in
            switch event {
            case .added(let ss), .updated(_, let ss): workloads.setStatefulSet(ss)
            case .deleted(let ss): workloads.removeStatefulSet(ss)
            }
        }
        await withTaskGroup(of: Void.self) { group in
            group.addTask { await namespaces.run() }
            group.addTask { await budgets.run() }
            group.addTask { await services.run() }
            group.addTask { await controllers.run() }
            group.addTask { await replicaSets.run() }
            group.addTask { await statefulSets.run() }
        }
    }
}
