import ArgumentParser
import Foundation
import Logging
import Synchronization
import TugAPI
import TugClient

/// `tug bench pods`: N pods created at once on a running cluster; each pod's time from create
/// to Running and to Ready, and the burst's time from the first create to the last Running.
/// With `--agent-pid`, the agent's resident memory while the pods run.
struct PodsBench: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "pods", abstract: "Benchmark pod start latency on a running cluster.")

    @Option(help: "Kubeconfig of the cluster (its agent runs the pods).") var kubeconfig: String
    @Option(help: "Pods to create at once.") var count = 100
    @Option(help: "Bind the pods to this node directly instead of letting the scheduler place them.") var node: String?
    @Option(help: "PID of the node agent (`tug agent`), to report its RSS with the pods running.") var agentPid: Int32?
    @Option(help: "Container command line (the process runtime needs one).") var command = "sleep 3600"
    @Option(help: "Container image (with containerd: one the node has, e.g. imported with `tug images import`).") var image = "busybox"
    @Option(help: "imagePullPolicy of the pods (IfNotPresent or Never measure starts without pulls).") var pullPolicy = "IfNotPresent"
    @Option(help: "Give up after this many seconds.") var timeout = 120

    func run() async throws {
        guard (1...10_000).contains(count), (1...3600).contains(timeout) else { throw ValidationError("count 1–10000, timeout 1–3600") }
        LoggingSystem.bootstrap { label in
            var h = StreamLogHandler.standardError(label: label)
            h.logLevel = .warning
            return h
        }
        let logger = Logger(label: "tug.bench")
        let config = try KubeconfigFile.load(kubeconfig)
        let http = HTTPTransport(server: config.server, token: config.token, userAgent: "tug-bench", connectionsPerHost: min(count, 128) + 8)
        let client = APIClient(transport: http, fieldManager: "tug-bench")
        let namespace = "bench-pods-\(Int(Date().timeIntervalSince1970))"
        var ns = CoreV1.Namespace(metadata: MetaV1.ObjectMeta())
        ns.metadata.name = namespace
        _ = try await client.create(ns)

        let created = Mutex<[String: ContinuousClock.Instant]>([:])
        let bound = LatencyRecorder(), running = LatencyRecorder(), ready = LatencyRecorder()
        let seen = Mutex<(bound: Set<String>, running: Set<String>, ready: Set<String>, last: ContinuousClock.Instant?)>(([], [], [], nil))
        let informer = Informer<CoreV1.Pod>(client: client, namespace: namespace, logger: logger)
        await informer.addHandler { event in
            guard case .updated(_, let p) = event, let name = p.metadata.name, let t0 = created.withLock({ $0[name] }) else { return }
            let now = ContinuousClock.now
            if p.spec?.nodeName != nil, seen.withLock({ $0.bound.insert(name).inserted }) { bound.record((now - t0).seconds) }
            if p.status?.phase == "Running", seen.withLock({ s in
                let fresh = s.running.insert(name).inserted
                if fresh { s.last = now }
                return fresh
            }) { running.record((now - t0).seconds) }
            if p.status?.conditions?.contains(where: { $0.type == "Ready" && $0.status == "True" }) == true,
               seen.withLock({ $0.ready.insert(name).inserted }) { ready.record((now - t0).seconds) }
        }
        let watching = Task { await informer.run() }
        await informer.waitForSync()

        let words = command.split(separator: " ").map(String.init)
        let start = ContinuousClock.now
        try await forEachConcurrently(Array(0..<count), width: min(count, 128)) { i in
            var p = CoreV1.Pod(metadata: MetaV1.ObjectMeta(name: "pod-\(i)", namespace: namespace))
            var c = CoreV1.Container()
            c.name = "app"
            c.image = image
            c.imagePullPolicy = pullPolicy
            c.command = words
            c.resources = CoreV1.ResourceRequirements(requests: ["cpu": "1m", "memory": "1Mi"])
            p.spec = CoreV1.PodSpec(containers: [c])
            p.spec?.nodeName = node
            p.spec?.terminationGracePeriodSeconds = 1
            created.withLock { $0["pod-\(i)"] = ContinuousClock.now }
            _ = try await client.create(p)
        }
        let createsDone = ContinuousClock.now
        let deadline = ContinuousClock.now + .seconds(timeout)
        while seen.withLock({ $0.ready.count }) < count && ContinuousClock.now < deadline {
            try await Task.sleep(for: .milliseconds(10))
        }
        let (runningCount, readyCount, last) = seen.withLock { ($0.running.count, $0.ready.count, $0.last) }
        var out: [String: Any] = ["count": count, "running": runningCount, "ready": readyCount,
                                  "burst_s": ((((last ?? .now) - start).seconds) * 1000).rounded() / 1000,
                                  "creates_s": (((createsDone - start).seconds) * 1000).rounded() / 1000]
        let b = bound.summary(elapsed: 1), r = running.summary(elapsed: 1), rd = ready.summary(elapsed: 1)
        out["bound_p50_ms"] = b["p50_ms"]
        out["bound_p99_ms"] = b["p99_ms"]
        out["running_p50_ms"] = r["p50_ms"]
        out["running_p99_ms"] = r["p99_ms"]
        out["ready_p50_ms"] = rd["p50_ms"]
        out["ready_p99_ms"] = rd["p99_ms"]
        if let pid = agentPid { out["agent_rss_mb"] = (Double(Self.residentBytes(pid: pid)) / 1_048_576 * 10).rounded() / 10 }
        watching.cancel()
        // Clean up: the namespace and everything in it.
        try? await client.delete(CoreV1.Namespace.self, name: namespace)
        try? await http.shutdown()
        let data = try JSONSerialization.data(withJSONObject: out, options: [.sortedKeys])
        print(String(decoding: data, as: UTF8.self))
        if readyCount < count { throw ExitCode(1) }
    }

    /// VmRSS of another process.
    static func residentBytes(pid: Int32) -> Int {
        guard let text = try? String(contentsOfFile: "/proc/\(pid)/status", encoding: .utf8),
              let line = text.split(separator: "\n").first(where: { $0.hasPrefix("VmRSS:") }),
              let kb = Int(line.split(separator: " ", omittingEmptySubsequences: true).dropFirst().first ?? "") else { return 0 }
        return kb * 1024
    }
}
