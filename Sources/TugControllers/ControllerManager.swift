import Foundation
import Logging
import ServiceLifecycle
import TugAPI
import TugClient

/// Runs the controllers of `tug server` over shared informers, until shutdown.
public struct ControllerManager: Service {
    let client: APIClient
    let logger: Logger
    let workers: Int
    /// When set, the controllers run only while this manager holds the Lease.
    let election: LeaderElector.Config?
    /// How long a node may go without a heartbeat before it is marked Unknown.
    let nodeMonitorGracePeriod: Duration
    let nodeMonitorPeriod: Duration

    public init(client: APIClient, logger: Logger, workers: Int = 2, election: LeaderElector.Config? = nil,
                nodeMonitorGracePeriod: Duration = .seconds(40), nodeMonitorPeriod: Duration = .seconds(5)) {
        self.client = client
        self.logger = logger
        self.workers = workers
        self.election = election
        self.nodeMonitorGracePeriod = nodeMonitorGracePeriod
        self.nodeMonitorPeriod = nodeMonitorPeriod
    }

    public func run() async throws {
        guard let election else { return try await runControllers() }
        try await cancelWhenGracefulShutdown {
            await LeaderElector(client: client, config: election, logger: logger).run { try? await runControllers() }
        }
    }

    func runControllers() async throws {
        let namespaces = Informer<CoreV1.Namespace>(client: client, logger: logger)
        let accounts = Informer<CoreV1.ServiceAccount>(client: client, logger: logger)
        let pods = Informer<CoreV1.Pod>(client: client, logger: logger)
        let replicaSets = Informer<AppsV1.ReplicaSet>(client: client, logger: logger)
        let deployments = Informer<AppsV1.Deployment>(client: client, logger: logger)
        let statefulSets = Informer<AppsV1.StatefulSet>(client: client, logger: logger)
        let daemonSets = Informer<AppsV1.DaemonSet>(client: client, logger: logger)
        let revisions = Informer<AppsV1.ControllerRevision>(client: client, logger: logger)
        let nodes = Informer<CoreV1.Node>(client: client, logger: logger)
        let leases = Informer<CoordinationV1.Lease>(client: client, namespace: "kube-node-lease", logger: logger)
        let namespaceController = NamespaceController(client: client, namespaces: namespaces, logger: logger)
        let accountController = ServiceAccountController(client: client, namespaces: namespaces, accounts: accounts)
        let replicaSetController = ReplicaSetController(client: client, sets: replicaSets, pods: pods, logger: logger)
        let deploymentController = DeploymentController(client: client, deployments: deployments, sets: replicaSets, pods: pods, logger: logger)
        let statefulSetController = StatefulSetController(client: client, sets: statefulSets, pods: pods, revisions: revisions, logger: logger)
        let daemonSetController = DaemonSetController(client: client, sets: daemonSets, pods: pods, nodes: nodes, revisions: revisions, logger: logger)
        let garbageCollector = GarbageCollector(client: client, deployments: deployments, sets: replicaSets, pods: pods,
                                                statefulSets: statefulSets, daemonSets: daemonSets, revisions: revisions, logger: logger)
        let nodeLifecycle = NodeLifecycleController(client: client, nodes: nodes, leases: leases, pods: pods,
                                                    gracePeriod: nodeMonitorGracePeriod, monitorPeriod: nodeMonitorPeriod, logger: logger)
        await namespaceController.start()
        await accountController.start()
        await replicaSetController.start()
        await deploymentController.start()
        await statefulSetController.start()
        await daemonSetController.start()
        await garbageCollector.start()
        await nodeLifecycle.start()
        let controllers: [any Controller] = [namespaceController, accountController, replicaSetController, deploymentController,
                                             statefulSetController, daemonSetController,
                                             garbageCollector, nodeLifecycle]
        // Informers first; controllers work once every cache has its first list.
        let syncs: [@Sendable () async -> Void] = [
            { await namespaces.waitForSync() }, { await accounts.waitForSync() },
            { await pods.waitForSync() }, { await replicaSets.waitForSync() }, { await deployments.waitForSync() },
            { await statefulSets.waitForSync() }, { await daemonSets.waitForSync() }, { await revisions.waitForSync() },
            { await nodes.waitForSync() }, { await leases.waitForSync() },
        ]
        // On shutdown the informers and workers are cancelled; runWorkers shuts its queue then.
        try await cancelWhenGracefulShutdown {
            await withTaskGroup(of: Void.self) { group in
                group.addTask { await namespaces.run() }
                group.addTask { await accounts.run() }
                group.addTask { await pods.run() }
                group.addTask { await replicaSets.run() }
                group.addTask { await deployments.run() }
                group.addTask { await statefulSets.run() }
                group.addTask { await daemonSets.run() }
                group.addTask { await revisions.run() }
                group.addTask { await nodes.run() }
                group.addTask { await leases.run() }
                group.addTask {
                    for wait in syncs { await wait() }
                    await nodeLifecycle.monitor()
                }
                for c in controllers {
                    let workers = self.workers, logger = self.logger
                    group.addTask {
                        for wait in syncs { await wait() }
                        await c.runWorkers(workers, logger: logger)
                    }
                }
                await group.waitForAll()
            }
        }
    }
}
