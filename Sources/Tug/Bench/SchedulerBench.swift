import ArgumentParser
import Foundation
import Logging
import Synchronization
import TugAPI
import TugAPIServer
import TugAgent
import TugClient
import TugInProcess
import TugScheduler
import TugStoreSQLite

/// `tug bench scheduler`: Kubernetes' scheduler_perf SchedulingBasic — N nodes, then M pods
/// created through the API; pods/s from the first create to the last binding, and each pod's
/// create-to-bound latency. Runs a throwaway server (SQLite store in a temp dir), the scheduler
/// and the nodes in this process, or uses the cluster of `--kubeconfig` (whose scheduler must
/// be running).
struct SchedulerBench: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "scheduler", abstract: "Benchmark scheduling throughput and latency.")

    @Option(help: "Nodes to register.") var nodes = 5000
    @Option(help: "Pods to create.") var pods = 10000
    @Option(help: "Concurrent pod creators.") var clients = 64
    @Option(help: "Use this cluster instead of an in-process server and scheduler.") var kubeconfig: String?
    @Option(help: "Give up after this many seconds.") var timeout = 300

    func run() async throws {
        guard (1...100_000).contains(nodes), (1...1_000_000).contains(pods), (1...1024).contains(clients), (1...3600).contains(timeout) else {
            throw ValidationError("nodes 1–100000, pods 1–1000000, clients 1–1024, timeout 1–3600")
        }
        LoggingSystem.bootstrap { label in
            var h = StreamLogHandler.standardError(label: label)
            h.logLevel = .warning
            return h
        }
        let logger = Logger(label: "tug.bench")
        var cleanup: [() async -> Void] = []
        let client: APIClient
        if let kubeconfig {
            let config = try KubeconfigFile.load(kubeconfig)
            let http = HTTPTransport(server: config.server, token: config.token, userAgent: "tug-bench", connectionsPerHost: clients + 8)
            client = APIClient(transport: http, fieldManager: "tug-bench")
            cleanup.append { try? await http.shutdown() }
        } else {
            let dir = FileManager.default.temporaryDirectory.appendingPathComponent("tug-bench-\(UUID().uuidString)").path
            try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
            let store = try SQLiteStore(path: dir + "/state.db")
            let core = APIServerCore(store: store, serverAddress: "in-process", logger: logger)
            try await core.bootstrap()
            let feed = Task { try await core.dispatcher.run() }
            client = APIClient(transport: InProcessTransport(core: core, userAgent: "tug-bench"), fieldManager: "tug-bench")
            let framework = SchedulingFramework(preFilters: DefaultPlugins.preFilters(), filters: DefaultPlugins.filters(),
                                                scores: DefaultPlugins.scores(totalNodes: nodes))
            let scheduler = Scheduler(client: APIClient(transport: InProcessTransport(core: core, userAgent: "tug-scheduler"), fieldManager: "tug-scheduler"),
                                      framework: framework, logger: logger)
            let running = Task { try await scheduler.run() }
            cleanup.append {
                running.cancel()
                feed.cancel()
                await store.close()
                try? FileManager.default.removeItem(atPath: dir)
            }
        }
        let namespace = "bench-\(Int(Date().timeIntervalSince1970))"
        var ns = CoreV1.Namespace(metadata: MetaV1.ObjectMeta())
        ns.metadata.name = namespace
        _ = try await client.create(ns)

        // Nodes (registered as an agent would; no heartbeats needed for the run).
        let profiles = HollowNodes.profiles(count: nodes, prefix: "bench-node", cpu: "32", memory: "256Gi", pods: 110)
        let nodeStart = ContinuousClock.now
        try await forEachConcurrently(profiles, width: clients) { try await NodeRegistration.register($0, client: client) }
        let nodeSeconds = (ContinuousClock.now - nodeStart).seconds

        // Watch bindings; then create the pods.
        let created = Mutex<[String: ContinuousClock.Instant]>([:])
        let latencies = LatencyRecorder()
        let bound = Mutex<(count: Int, last: ContinuousClock.Instant?)>((0, nil))
        let seen = Mutex<Set<String>>([])
        let informer = Informer<CoreV1.Pod>(client: client, namespace: namespace, logger: logger)
        let total = pods
        await informer.addHandler { event in
            guard case .updated(_, let p) = event, let node = p.spec?.nodeName, !node.isEmpty, let name = p.metadata.name else { return }
            let now = ContinuousClock.now
            guard seen.withLock({ $0.insert(name).inserted }) else { return }
            if let t0 = created.withLock({ $0[name] }) { latencies.record((now - t0).seconds) }
            bound.withLock { $0 = ($0.count + 1, now) }
        }
        let watching = Task { await informer.run() }
        await informer.waitForSync()
        // Let the scheduler see every node before the first pod.
        try await Task.sleep(for: .milliseconds(500))

        let start = ContinuousClock.now
        try await forEachConcurrently(Array(0..<pods), width: clients) { i in
            var p = CoreV1.Pod(metadata: MetaV1.ObjectMeta())
            p.metadata.name = "pod-\(i)"
            p.metadata.namespace = namespace
            var c = CoreV1.Container()
            c.name = "app"
            c.image = "registry.k8s.io/pause:3.10"
            c.resources = CoreV1.ResourceRequirements(requests: ["cpu": "100m", "memory": "500Mi"])
            p.spec = CoreV1.PodSpec(containers: [c])
            created.withLock { $0["pod-\(i)"] = ContinuousClock.now }
            _ = try await client.create(p)
        }
        let createSeconds = (ContinuousClock.now - start).seconds
        let deadline = ContinuousClock.now + .seconds(timeout)
        while bound.withLock({ $0.count }) < total && ContinuousClock.now < deadline {
            try await Task.sleep(for: .milliseconds(20))
        }
        let (done, last) = bound.withLock { $0 }
        watching.cancel()
        let elapsed = ((last ?? .now) - start).seconds
        var out: [String: Any] = [
            "nodes": nodes, "pods": pods, "bound": done, "target": kubeconfig == nil ? "in-process" : "cluster",
            "node_registration_s": round3(nodeSeconds), "create_s": round3(createSeconds), "elapsed_s": round3(elapsed),
            "pods_per_s": round3(Double(done) / max(elapsed, 1e-9)), "rss_mb": round3(Double(Self.residentBytes()) / 1_048_576),
        ]
        for (k, v) in latencies.summary(elapsed: elapsed) where k.hasSuffix("_ms") { out["latency_" + k] = v }
        for c in cleanup { await c() }
        let data = try JSONSerialization.data(withJSONObject: out, options: [.sortedKeys])
        print(String(decoding: data, as: UTF8.self))
        if done < total { throw ExitCode(1) }
    }

    func round3(_ v: Double) -> Double { (v * 1000).rounded() / 1000 }

    /// VmRSS of this process.
    static func residentBytes() -> Int { PodsBench.residentBytes(pid: getpid()) }
}

/// Runs `body` for every element, at most `width` at a time; the first error ends the run.
func forEachConcurrently<T: Sendable>(_ items: [T], width: Int, _ body: @escaping @Sendable (T) async throws -> Void) async throws {
    try await withThrowingTaskGroup(of: Void.self) { group in
        var next = 0
        for _ in 0..<min(width, items.count) {
            let item = items[next]
            next += 1
            group.addTask { try await body(item) }
        }
        while try await group.next() != nil {
            if next < items.count {
                let item = items[next]
                next += 1
                group.addTask { try await body(item) }
            }
        }
    }
}
