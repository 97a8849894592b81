import Foundation
import Logging
import ServiceLifecycle
import TugAPI
import TugClient
import TugRuntime

/// The node agent (kubelet): registers this machine as a Node, renews its Lease every 10 s,
/// refreshes the Node's status, and runs the pods bound to it through a `ContainerRuntime`.
public struct NodeAgent: Service {
    public struct Configuration: Sendable {
        public var nodeName: String
        public var nodeIP: String
        public var kubeletPort: Int
        public var dataDirectory: String
        public var controlPlane: Bool
        public var leaseInterval: Duration = .seconds(10)
        public var statusInterval: Duration = .seconds(60)
        /// How often the runtime is relisted for container state changes (kubelet's PLEG: 1 s).
        public var relistInterval: Duration = .seconds(1)
        /// How often a worker whose pod is settled syncs anyway (kubelet's syncFrequency is 1 min).
        public var resyncInterval: Duration = .seconds(10)
        /// Folder of static pod manifests; nil for none.
        public var manifestsDirectory: String?
        /// How often the manifests folder is read (kubelet's fileCheckFrequency is 20 s).
        public var manifestsInterval: Duration = .seconds(5)
        /// Hard eviction threshold on the node's available memory (kubelet's `memory.available<100Mi`).
        public var evictionMemoryThreshold: Int64 = 100 * 1024 * 1024
        public var evictionInterval: Duration = .seconds(10)
        /// How often container CPU and memory are sampled for the metrics API (CPU is a rate
        /// between the last two samples).
        public var statsInterval: Duration = .seconds(5)
        /// The node's available memory; /proc/meminfo's MemAvailable unless a test says otherwise.
        public var memoryAvailable: @Sendable () async -> Int64? = { EvictionManager.memAvailable() }
        /// Called once the Node has its `spec.podCIDR` (from the node IPAM controller), to set up
        /// the pod network on it (the CNI config a CRI runtime reads). Retried until it succeeds.
        public var podNetworkSetup: (@Sendable (_ podCIDR: String) async throws -> Void)?
        /// The cluster DNS addresses pods with dnsPolicy ClusterFirst use (kubelet's `--cluster-dns`).
        public var clusterDNS: [String] = []
        public var clusterDomain = "cluster.local"
        /// The node resolver file pods with dnsPolicy Default copy (kubelet's `--resolv-conf`).
        public var resolvConf = "/etc/resolv.conf"
        /// Image garbage collection thresholds (kubelet's `--image-gc-high-threshold` and `--image-gc-low-threshold`).
        public var imageGCHighThresholdPercent: Int {
            get { imageGC.highThresholdPercent }
            set { imageGC.highThresholdPercent = newValue }
        }
        public var imageGCLowThresholdPercent: Int {
            get { imageGC.lowThresholdPercent }
            set { imageGC.lowThresholdPercent = newValue }
        }
        var imageGC = ImageGarbageCollector.Policy()

        public init(nodeName: String, nodeIP: String, kubeletPort: Int, dataDirectory: String, controlPlane: Bool) {
            self.nodeName = nodeName
            self.nodeIP = nodeIP
            self.kubeletPort = kubeletPort
            self.dataDirectory = dataDirectory
            self.controlPlane = controlPlane
        }
    }

    let client: APIClient
    let runtime: any ContainerRuntime
    let configuration: Configuration
    let logger: Logger

    public init(client: APIClient, runtime: any ContainerRuntime, configuration: Configuration, logger: Logger) {
        self.client = client
        self.runtime = runtime
        self.configuration = configuration
        self.logger = logger
    }

    public func run() async throws {
        let cfg = configuration
        let version = try await runtime.version()
        let paths = AgentPaths(root: cfg.dataDirectory)
        try FileManager.default.createDirectory(atPath: paths.podsDirectory, withIntermediateDirectories: true)
        try FileManager.default.createDirectory(atPath: paths.logsDirectory, withIntermediateDirectories: true)
        var profile = NodeProfile.machine(name: cfg.nodeName, internalIP: cfg.nodeIP, machine: MachineInfo.read(dataDirectory: cfg.dataDirectory),
                                          runtimeVersion: version.nodeInfoString, kubeletPort: cfg.kubeletPort, controlPlane: cfg.controlPlane)
        let http = HTTPGetClient()
        defer { Task { try? await http.shutdown() } }
        let network = PodNetworkReadiness(ready: cfg.podNetworkSetup == nil)
        let services = await APIPodConfigSource.serviceInformer(client: client, logger: logger)
        let context = AgentContext(client: client, runtime: runtime, capabilities: runtime.capabilities, runtimeName: version.runtimeName,
                                   nodeName: cfg.nodeName, nodeIP: cfg.nodeIP, paths: paths,
                                   preparation: PodPreparation(paths: paths, source: APIPodConfigSource(client: client, services: services), nodeName: cfg.nodeName,
                                                               nodeIP: cfg.nodeIP, nodeAllocatable: profile.allocatable ?? profile.capacity,
                                                               runtimeHasImages: runtime.capabilities.runsImages, logger: logger),
                                   backoff: RestartBackoff(), prober: Prober(runtime: runtime, http: http),
                                   hooks: LifecycleHookRunner(runtime: runtime, http: http), images: ImagePuller(runtime: runtime),
                                   dns: PodDNS(clusterDNS: cfg.clusterDNS, clusterDomain: cfg.clusterDomain, host: ResolvConf.load(path: cfg.resolvConf)),
                                   network: network, logger: logger, relistInterval: cfg.relistInterval,
                                   resyncInterval: cfg.resyncInterval)
        let manager = PodManager(context: context)
        let pressure = NodePressure()
        await manager.recover()
        // The agent's own server (logs, exec, attach, port-forward) first: the Node advertises its port.
        let (ready, readyContinuation) = AsyncStream.makeStream(of: Int.self)
        let collector = StatsCollector(runtime: runtime, nodeName: cfg.nodeName, interval: cfg.statsInterval)
        let server = AgentServer(backend: AgentStreamingBackend(manager: manager, runtime: runtime), host: cfg.nodeIP, port: cfg.kubeletPort,
                                 logger: logger, onReady: { port in
                                     readyContinuation.yield(port)
                                     readyContinuation.finish()
                                 }, stats: { await collector.summary() })
        let serving = Task { try await server.run() }
        defer { serving.cancel() }
        var readyPorts = ready.makeAsyncIterator()
        guard let port = await readyPorts.next(), port > 0 else {
            _ = try await serving.value
            throw AgentStartError(message: "the agent server did not start on \(cfg.nodeIP):\(cfg.kubeletPort)")
        }
        profile.kubeletPort = port
        let node = profile
        try await registerWithRetry(node)
        logger.info("node \(cfg.nodeName) registered (\(cfg.nodeIP), agent port \(port), runtime \(version.nodeInfoString))")
        let pods = Informer<CoreV1.Pod>(client: client, fieldSelector: "spec.nodeName=\(cfg.nodeName)", logger: logger)
        await pods.addHandler { event in
            switch event {
            case .added(let p), .updated(_, let p): await manager.update(p)
            case .deleted(let p): await manager.removed(p)
            }
        }
        await cancelWhenGracefulShutdown {
            await withDiscardingTaskGroup { group in
                group.addTask { await pods.run() }
                group.addTask { await services.run() }
                group.addTask {
                    await PodLifecycleRelister(runtime: runtime, interval: cfg.relistInterval) { uid in await manager.wake(uid: uid) }.run()
                }
                group.addTask {
                    await pods.waitForSync()
                    await manager.removeOrphans()
                }
                group.addTask { await heartbeat(node, pressure: pressure) }
                if let setup = cfg.podNetworkSetup {
                    group.addTask { await setUpPodNetwork(setup, readiness: network) }
                }
                group.addTask { await collector.run() }
                group.addTask { await ContainerLogRotation().run(runtime: runtime, interval: .seconds(10), logger: logger) }
                group.addTask {
                    await pressure.onChange {
                        do { try await NodeRegistration.refreshStatus(node, client: client, memoryPressure: await pressure.memory) } catch {
                            logger.warning("updating the status of node \(node.name): \(error)")
                        }
                    }
                    await EvictionManager(manager: manager, runtime: runtime, thresholdBytes: cfg.evictionMemoryThreshold,
                                          interval: cfg.evictionInterval, readAvailable: cfg.memoryAvailable, pressure: pressure,
                                          logger: logger).run()
                }
                if let images = runtime as? any ImageManaging {
                    let gc = ImageGarbageCollector(images: images, runtime: runtime, policy: cfg.imageGC)
                    let client = self.client
                    group.addTask {
                        await gc.run { message in
                            logger.warning("\(message)")
                            guard let n = try? await client.get(CoreV1.Node.self, name: node.name) else { return }
                            await Events.record(client: client, regarding: n, type: "Warning", reason: "FreeDiskSpaceFailed",
                                                message: message, component: "kubelet", host: node.name)
                        }
                    }
                }
                if let dir = cfg.manifestsDirectory {
                    group.addTask { await StaticPods(client: client, directory: dir, nodeName: cfg.nodeName, logger: logger,
                                                   interval: cfg.manifestsInterval).run() }
                }
            }
        }
        await manager.shutdown()
    }

    /// Waits for the Node's pod subnet, then hands it to `setup` (retrying both), as kubelet
    /// waits for its podCIDR before the network plugin is ready.
    func setUpPodNetwork(_ setup: @Sendable (String) async throws -> Void, readiness: PodNetworkReadiness) async {
        var attempt = 0
        var announced = false
        while !Task.isCancelled {
            attempt += 1
            do {
                let node = try await client.get(CoreV1.Node.self, name: configuration.nodeName)
                if let cidr = node.spec?.podCIDR, !cidr.isEmpty {
                    try await setup(cidr)
                    readiness.markReady()
                    logger.info("pod network ready on node \(configuration.nodeName): \(cidr)")
                    return
                }
                if !announced {
                    logger.info("waiting for node \(configuration.nodeName) to get a pod CIDR (the node IPAM controller assigns one)")
                    announced = true
                }
            } catch {
                if attempt % 10 == 1 { logger.warning("setting up the pod network: \(error); retrying") }
            }
            try? await Task.sleep(for: .milliseconds(min(2000, 100 * attempt)))
        }
    }

    func registerWithRetry(_ profile: NodeProfile) async throws {
        var attempt = 0
        while true {
            do {
                try await NodeRegistration.register(profile, client: client)
                try await NodeRegistration.renewLease(profile.name, client: client)
                return
            } catch {
                attempt += 1
                if attempt % 10 == 1 { logger.warning("registering node \(profile.name): \(error); retrying") }
                try await Task.sleep(for: .milliseconds(min(5000, 200 * attempt)))
            }
        }
    }

    /// The Lease every `leaseInterval`; the Node's status (conditions' heartbeat) every
    /// `statusInterval`, as kubelet's nodeStatusReportFrequency.
    func heartbeat(_ profile: NodeProfile, pressure: NodePressure) async {
        var lastStatus = ContinuousClock.now
        while !Task.isCancelled {
            try? await Task.sleep(for: configuration.leaseInterval)
            if Task.isCancelled { return }
            do { try await NodeRegistration.renewLease(profile.name, client: client) } catch {
                logger.warning("renewing the lease of node \(profile.name): \(error)")
            }
            if ContinuousClock.now - lastStatus >= configuration.statusInterval {
                lastStatus = .now
                do { try await NodeRegistration.refreshStatus(profile, client: client, memoryPressure: await pressure.memory) } catch {
                    logger.warning("updating the status of node \(profile.name): \(error)")
                }
            }
        }
    }
}

struct AgentStartError: Error, CustomStringConvertible {
    var message: String
    var description: String { message }
}
