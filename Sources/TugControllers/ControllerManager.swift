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
    /// Terminated pods kept before the pod GC deletes the oldest (0: never).
    let terminatedPodThreshold: Int
    /// How long a node must be gone before the pod GC deletes its pods, and how often it looks.
    let podGCQuarantine: Duration
    let podGCPeriod: Duration
    /// How often every ResourceQuota's usage is recounted (changes of pods, services and
    /// replication controllers recount at once).
    let quotaResyncPeriod: Duration
    /// Where node pod subnets come from; nil leaves spec.podCIDR alone.
    let podNetwork: PodNetwork?

    public struct PodNetwork: Sendable {
        public var clusterCIDR: String
        public var nodeMaskSize: Int
        public init(clusterCIDR: String, nodeMaskSize: Int = 24) {
            self.clusterCIDR = clusterCIDR
            self.nodeMaskSize = nodeMaskSize
        }
    }

    public init(client: APIClient, logger: Logger, workers: Int = 2, election: LeaderElector.Config? = nil,
                nodeMonitorGracePeriod: Duration = .seconds(40), nodeMonitorPeriod: Duration = .seconds(5),
                terminatedPodThreshold: Int = 12500, podGCQuarantine: Duration = .seconds(40), podGCPeriod: Duration = .seconds(20),
                quotaResyncPeriod: Duration = .seconds(30), podNetwork: PodNetwork? = nil) {
        self.client = client
        self.logger = logger
        self.workers = workers
        self.election = election
        self.nodeMonitorGracePeriod = nodeMonitorGracePeriod
        self.nodeMonitorPeriod = nodeMonitorPeriod
        self.terminatedPodThreshold = terminatedPodThreshold
        self.podGCQuarantine = podGCQuarantine
        self.podGCPeriod = podGCPeriod
        self.quotaResyncPeriod = quotaResyncPeriod
        self.podNetwork = podNetwork
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
        let services = Informer<CoreV1.Service>(client: client, logger: logger)
        let endpoints = Informer<CoreV1.Endpoints>(client: client, logger: logger)
        let endpointSlices = Informer<DiscoveryV1.EndpointSlice>(client: client, logger: logger)
        let replicationControllers = Informer<CoreV1.ReplicationController>(client: client, logger: logger)
        let quotas = Informer<CoreV1.ResourceQuota>(client: client, logger: logger)
        let jobs = Informer<BatchV1.Job>(client: client, logger: logger)
        let cronJobs = Informer<BatchV1.CronJob>(client: client, logger: logger)
        let claims = Informer<CoreV1.PersistentVolumeClaim>(client: client, logger: logger)
        let namespaceController = NamespaceController(client: client, namespaces: namespaces, logger: logger)
        let accountController = ServiceAccountController(client: client, namespaces: namespaces, accounts: accounts)
        let replicaSetController = ReplicaSetController(client: client, sets: replicaSets, pods: pods, logger: logger)
        let rcController = ReplicationControllerController(client: client, sets: replicationControllers, pods: pods, logger: logger)
        let deploymentController = DeploymentController(client: client, deployments: deployments, sets: replicaSets, pods: pods, logger: logger)
        let jobController = JobController(client: client, jobs: jobs, pods: pods, logger: logger)
        let cronJobController = CronJobController(client: client, cronJobs: cronJobs, jobs: jobs, logger: logger)
        let garbageCollector = GarbageCollector(client: client, kinds: [
            GarbageCollectedKind(deployments, client: client), GarbageCollectedKind(replicaSets, client: client),
            GarbageCollectedKind(pods, client: client), GarbageCollectedKind(replicationControllers, client: client),
            GarbageCollectedKind(services, client: client), GarbageCollectedKind(endpointSlices, client: client),
            GarbageCollectedKind(jobs, client: client), GarbageCollectedKind(cronJobs, client: client),
            GarbageCollectedKind(statefulSets, client: client), GarbageCollectedKind(daemonSets, client: client),
            GarbageCollectedKind(revisions, client: client), GarbageCollectedKind(claims, client: client),
        ], logger: logger)
        let statefulSetController = StatefulSetController(client: client, sets: statefulSets, pods: pods, revisions: revisions, logger: logger)
        let daemonSetController = DaemonSetController(client: client, sets: daemonSets, pods: pods, nodes: nodes, revisions: revisions, logger: logger)
        let nodeLifecycle = NodeLifecycleController(client: client, nodes: nodes, leases: leases, pods: pods,
                                                    gracePeriod: nodeMonitorGracePeriod, monitorPeriod: nodeMonitorPeriod, logger: logger)
        let endpointsController = EndpointsController(client: client, services: services, pods: pods, endpoints: endpoints, logger: logger)
        let endpointSliceController = EndpointSliceController(client: client, services: services, pods: pods, nodes: nodes,
                                                              slices: endpointSlices, logger: logger)
        let podGC = PodGCController(client: client, pods: pods, nodes: nodes, terminatedPodThreshold: terminatedPodThreshold,
                                    quarantine: podGCQuarantine, period: podGCPeriod, logger: logger)
        let quotaController = ResourceQuotaController(client: client, quotas: quotas, pods: pods, services: services,
                                                      replicationControllers: replicationControllers, resyncPeriod: quotaResyncPeriod, logger: logger)
        let serviceLB = ServiceLBController(client: client, services: services, nodes: nodes, logger: logger)
        let nodeIPAM = try podNetwork.map {
            try NodeIPAMController(client: client, nodes: nodes, clusterCIDR: $0.clusterCIDR, nodeMaskSize: $0.nodeMaskSize, logger: logger)
        }
        await nodeIPAM?.start()
        await namespaceController.start()
        await accountController.start()
        await replicaSetController.start()
        await rcController.start()
        await deploymentController.start()
        await jobController.start()
        await cronJobController.start()
        await statefulSetController.start()
        await daemonSetController.start()
        await garbageCollector.start()
        await nodeLifecycle.start()
        await endpointsController.start()
        await endpointSliceController.start()
        await quotaController.start()
        await serviceLB.start()
        let controllers: [any Controller] = [namespaceController, accountController, replicaSetController, deploymentController,
                                             jobController, cronJobController, statefulSetController, daemonSetController,
                                             garbageCollector, nodeLifecycle, endpointsController, endpointSliceController, rcController,
                                             podGC, quotaController, serviceLB] + (nodeIPAM.map { [$0] } ?? [])
        // Informers first; controllers work once every cache has its first list.
        let syncs: [@Sendable () async -> Void] = [
            { await namespaces.waitForSync() }, { await accounts.waitForSync() },
            { await pods.waitForSync() }, { await replicaSets.waitForSync() }, { await deployments.waitForSync() },
            { await statefulSets.waitForSync() }, { await daemonSets.waitForSync() }, { await revisions.waitForSync() },
            { await nodes.waitForSync() }, { await leases.waitForSync() },
            { await services.waitForSync() }, { await endpoints.waitForSync() }, { await endpointSlices.waitForSync() },
            { await replicationControllers.waitForSync() }, { await quotas.waitForSync() },
            { await jobs.waitForSync() }, { await cronJobs.waitForSync() }, { await claims.waitForSync() },
        ]
        let informers: [@Sendable () async -> Void] = [
            { await namespaces.run() }, { await accounts.run() }, { await pods.run() }, { await replicaSets.run() },
            { await deployments.run() }, { await nodes.run() }, { await leases.run() },
            { await services.run() }, { await endpoints.run() }, { await endpointSlices.run() },
            { await replicationControllers.run() }, { await quotas.run() }, { await jobs.run() }, { await cronJobs.run() },
            { await statefulSets.run() }, { await daemonSets.run() }, { await revisions.run() }, { await claims.run() },
        ]
        // On shutdown the informers and workers are cancelled; runWorkers shuts its queue then.
        try await cancelWhenGracefulShutdown {
            await withTaskGroup(of: Void.self) { group in
                for run in informers { group.addTask { await run() } }
                // Periodic work (heartbeats age, sweeps), once the caches are loaded.
                let periodic: [@Sendable () async -> Void] = [
                    { await endpointsController.checkLeftovers() }, { await nodeLifecycle.monitor() },
                    { await podGC.monitor() }, { await quotaController.monitor() },
                ]
                for work in periodic {
                    group.addTask {
                        for wait in syncs { await wait() }
                        await work()
                    }
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
