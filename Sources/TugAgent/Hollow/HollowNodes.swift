import Foundation
import Logging
import ServiceLifecycle
import TugAPI
import TugClient

/// N simulated nodes in one process, for tests and scale benchmarks (Kubernetes' hollow
/// nodes): each registers a Node and renews its Lease every 10 s; pods bound to them are
/// reported Running and Ready with a made-up IP at once, and pods being deleted are finished
/// (the grace-period-0 delete a real agent sends after stopping the containers). One shared
/// pod watch serves all of them.
public struct HollowNodes: Service {
    let client: APIClient
    let profiles: [NodeProfile]
    let logger: Logger
    let leaseInterval: Duration

    public init(client: APIClient, profiles: [NodeProfile], logger: Logger, leaseInterval: Duration = .seconds(10)) {
        self.client = client
        self.profiles = profiles
        self.logger = logger
        self.leaseInterval = leaseInterval
    }

    public static func profiles(count: Int, prefix: String = "hollow", cpu: String, memory: String, pods: Int) -> [NodeProfile] {
        (0..<count).map { i in
            NodeProfile(name: "\(prefix)-\(i)", internalIP: "127.1.\(i / 250).\(i % 250 + 2)", cpu: cpu, memory: memory, pods: pods,
                        runtimeVersion: "simulated://1.0")
        }
    }

    public func run() async throws {
        let names = Set(profiles.map(\.name))
        let pods = Informer<CoreV1.Pod>(client: client, logger: logger)
        let worker = HollowPodWorker(client: client, logger: logger)
        await pods.addHandler { event in
            switch event {
            case .added(let p), .updated(_, let p):
                guard let node = p.spec?.nodeName, names.contains(node) else { return }
                await worker.handle(p)
            case .deleted(let p):
                await worker.forget(p.metadata.uid ?? "")
            }
        }
        try await cancelWhenGracefulShutdown {
            await withDiscardingTaskGroup { group in
                group.addTask {
                    await registerAll()
                    await pods.run()
                }
                group.addTask { await heartbeats() }
            }
        }
    }

    func registerAll() async {
        await withDiscardingTaskGroup { group in
            for (i, profile) in profiles.enumerated() {
                group.addTask {
                    // Spread the load of thousands of nodes a little.
                    if i >= 64 { try? await Task.sleep(for: .milliseconds(i % 200)) }
                    for attempt in 0..<20 {
                        do {
                            try await NodeRegistration.register(profile, client: client)
                            try await NodeRegistration.renewLease(profile.name, client: client)
                            return
                        } catch {
                            logger.debug("registering \(profile.name) (attempt \(attempt + 1)): \(error)")
                            try? await Task.sleep(for: .milliseconds(200 * (attempt + 1)))
                        }
                    }
                    logger.error("could not register hollow node \(profile.name)")
                }
            }
        }
    }

    func heartbeats() async {
        while !Task.isCancelled {
            try? await Task.sleep(for: leaseInterval)
            if Task.isCancelled { return }
            await withDiscardingTaskGroup { group in
                for profile in profiles {
                    group.addTask {
                        do { try await NodeRegistration.renewLease(profile.name, client: client) } catch {
                            logger.debug("lease of \(profile.name): \(error)")
                        }
                    }
                }
            }
        }
    }
}

/// Pretends to run the pods of hollow nodes.
actor HollowPodWorker {
    let client: APIClient
    let logger: Logger
    private var running: Set<String> = []
    private var nextIP: UInt32 = 0

    init(client: APIClient, logger: Logger) {
        self.client = client
        self.logger = logger
    }

    func forget(_ uid: String) { running.remove(uid) }

    func handle(_ pod: CoreV1.Pod) async {
        let uid = pod.metadata.uid ?? ""
        if pod.metadata.deletionTimestamp != nil {
            running.remove(uid)
            do {
                try await client.delete(CoreV1.Pod.self, namespace: pod.metadata.namespace, name: pod.metadata.name ?? "",
                                        gracePeriodSeconds: 0, preconditionUID: uid)
            } catch let e as APIError where e.code == 404 || e.code == 409 {
            } catch {
                logger.debug("finishing \(pod.metadata.name ?? ""): \(error)")
            }
            return
        }
        guard !running.contains(uid), pod.status?.phase != "Running" || !isReady(pod) else { return }
        running.insert(uid)
        nextIP &+= 1
        let ip = "10.244.\((nextIP >> 8) & 0xFF).\(nextIP & 0xFF)"
        var p = pod
        p.status = Self.runningStatus(pod, ip: ip, hostIP: "127.0.0.1")
        do {
            _ = try await client.updateStatus(p)
        } catch {
            running.remove(uid)
            logger.debug("status of \(pod.metadata.name ?? ""): \(error)")
        }
    }

    func isReady(_ pod: CoreV1.Pod) -> Bool {
        pod.status?.conditions?.contains { $0.type == "Ready" && $0.status == "True" } == true
    }

    static func runningStatus(_ pod: CoreV1.Pod, ip: String, hostIP: String) -> CoreV1.PodStatus {
        let now = Time.now()
        var s = pod.status ?? CoreV1.PodStatus()
        s.phase = "Running"
        s.podIP = ip
        s.podIPs = [CoreV1.PodIP(ip: ip)]
        s.hostIP = hostIP
        s.hostIPs = [CoreV1.HostIP(ip: hostIP)]
        s.startTime = s.startTime ?? now
        var conditions = (s.conditions ?? []).filter { !["Initialized", "Ready", "ContainersReady", "PodReadyToStartContainers"].contains($0.type ?? "") }
        for type in ["PodReadyToStartContainers", "Initialized", "ContainersReady", "Ready"] {
            conditions.append(CoreV1.PodCondition(type: type, status: "True", lastTransitionTime: now))
        }
        s.conditions = conditions
        s.containerStatuses = (pod.spec?.containers ?? []).map { c in
            var st = CoreV1.ContainerStatus()
            st.name = c.name
            st.image = c.image
            st.imageID = "simulated://\(c.image ?? "")"
            st.containerID = "simulated://\(pod.metadata.uid ?? "")/\(c.name ?? "")"
            st.ready = true
            st.started = true
            st.restartCount = 0
            st.state = CoreV1.ContainerState(running: CoreV1.ContainerStateRunning(startedAt: now))
            return st
        }
        return s
    }
}
