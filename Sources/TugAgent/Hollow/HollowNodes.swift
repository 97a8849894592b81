import Foundation
import Logging
import ServiceLifecycle
import TugAPI
import TugClient

/// N simulated nodes in one process, for tests and scale benchmarks (Kubernetes' hollow
/// nodes): each registers a Node and renews its Lease every 10 s; pods bound to them are
/// reported Running and Ready with a made-up IP at once (and finish, for restartPolicy Never or
/// OnFailure, as `HollowPodWorker` says), and pods being deleted are finished
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
