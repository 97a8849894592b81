#if canImport(Glibc)
import Glibc
#endif
import ArgumentParser
import Foundation
import Logging
import TugAPI
import TugAPIServer
import TugClient
import TugInProcess
import TugNetwork
import TugStore

/// `tug bench services`: how fast an EndpointSlice change becomes an nftables rule. Programs
/// N services (3 endpoints each) through the real service proxy inside a network namespace the
/// bench creates and deletes (the host's tables are untouched), then changes one slice at a time
/// and times it from the update request (and from the proxy receiving the change) to nft having
/// committed the transaction. Every tenth change is also checked with `nft list`. Needs root.
struct ServicesBench: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "services", abstract: "Benchmark service rule programming (nftables).")

    @Option(help: "Services to program.") var services = 1000
    @Option(help: "EndpointSlice changes to time, one at a time.") var changes = 200
    @Option(help: "Endpoints per service.") var endpoints = 3

    static let namespace = "bench-services"

    func run() async throws {
        guard (1...20_000).contains(services), (1...10_000).contains(changes), (1...100).contains(endpoints) else {
            throw ValidationError("services 1–20000, changes 1–10000, endpoints 1–100")
        }
        guard getuid() == 0 else { throw ValidationError("tug bench services needs root (it creates a network namespace and nftables rules)") }
        guard let ip = ["/usr/sbin/ip", "/sbin/ip", "/bin/ip"].first(where: { FileManager.default.isExecutableFile(atPath: $0) }) else {
            throw ValidationError("tug bench services needs iproute2's ip (Debian: apt-get install iproute2)")
        }
        LoggingSystem.bootstrap { label in
            var h = StreamLogHandler.standardError(label: label)
            h.logLevel = .warning
            return h
        }
        let netns = "tugbench" + String(UUID().uuidString.prefix(8)).lowercased()
        guard try Self.run(ip, ["netns", "add", netns]) == 0 else { throw ValidationError("cannot create network namespace \(netns)") }
        defer { _ = try? Self.run(ip, ["netns", "del", netns]) }
        guard await NFTables.isAvailable(networkNamespace: netns) else {
            throw ValidationError("nftables is not usable here (Debian: apt-get install nftables; needs root and nf_tables)")
        }
        let result = try await measure(netns: netns, ip: ip)
        let data = try JSONSerialization.data(withJSONObject: result, options: [.sortedKeys])
        print(String(decoding: data, as: UTF8.self))
    }

    private func measure(netns: String, ip: String) async throws -> [String: Any] {
        let logger = Logger(label: "tug.bench")
        let core = APIServerCore(store: MemoryStore(), serverAddress: "in-process", logger: logger)
        try await core.bootstrap()
        let feed = Task { try await core.dispatcher.run() }
        defer { feed.cancel() }
        let client = APIClient(transport: InProcessTransport(core: core, userAgent: "tug-bench"), fieldManager: "tug-bench")
        _ = try await client.create(CoreV1.Namespace(metadata: MetaV1.ObjectMeta(name: Self.namespace)))

        let setupStart = ContinuousClock.now
        let endpoints = self.endpoints
        try await forEachConcurrently(Array(0..<services), width: 32) { i in
            _ = try await client.create(Self.service(i))
            _ = try await client.create(Self.slice(i, generation: 0, endpoints: endpoints))
        }
        let setupSeconds = (ContinuousClock.now - setupStart).seconds

        let runner = try NFTables(networkNamespace: netns)
        let options = try ProxyOptions(nodeName: "bench-node", nodeIPs: ["127.0.0.1"])
        let proxy = ServiceProxy(client: client, options: options, runner: runner, logger: logger)
        let commits = CommitLog()
        let consumer = Task { for await report in proxy.syncReports { await commits.add(report) } }
        defer { consumer.cancel() }
        let proxyStart = ContinuousClock.now
        let running = Task { try await proxy.run() }
        defer { running.cancel() }
        guard let first = await commits.waitForFullSync(timeout: .seconds(120)) else {
            throw ValidationError("the proxy did not finish its first sync within 120 s")
        }
        let fullSyncSeconds = (first.committedAt - proxyStart).seconds

        let fromUpdate = LatencyRecorder(), inProxy = LatencyRecorder()
        var verified = 0, mismatches = 0
        var rng = SystemRandomNumberGenerator()
        for change in 1...changes {
            let i = Int.random(in: 0..<services, using: &rng)
            let key = "\(Self.namespace)/svc-\(i)"
            var slice = try await client.get(DiscoveryV1.EndpointSlice.self, namespace: Self.namespace, name: "svc-\(i)-slice")
            slice.endpoints = Self.slice(i, generation: change, endpoints: endpoints).endpoints
            let start = ContinuousClock.now
            _ = try await client.update(slice)
            // Bounded: a change that is not committed within 10 s counts as an error.
            if let report = await commits.waitForCommit(of: key, after: start, timeout: .seconds(10)), let received = report.changes[key] {
                fromUpdate.record((report.committedAt - start).seconds)
                inProxy.record((report.committedAt - received).seconds)
            } else {
                fromUpdate.fail()
            }
            if change % 10 == 0 {
                let listing = try Self.output(ip, ["netns", "exec", netns, "nft", "list", "table", "ip", options.tableName])
                verified += 1
                if !listing.contains("dnat to \(Self.endpointIP(i, generation: change, index: 0)):8080") { mismatches += 1 }
            }
        }
        running.cancel()
        let elapsed = (ContinuousClock.now - proxyStart).seconds
        return ["services": services, "changes": changes, "endpoints_per_service": endpoints,
                "setup_s": (setupSeconds * 100).rounded() / 100, "first_full_sync_ms": (fullSyncSeconds * 100_000).rounded() / 100,
                "update_to_rule": fromUpdate.summary(elapsed: elapsed), "proxy_to_rule": inProxy.summary(elapsed: elapsed),
                "verified_with_nft_list": verified, "verify_mismatches": mismatches]
    }

    static func service(_ i: Int) -> CoreV1.Service {
        var s = CoreV1.Service(metadata: MetaV1.ObjectMeta(name: "svc-\(i)", namespace: namespace))
        // 10.43.1.0 onwards: clear of the kubernetes (.1) and DNS (.10) addresses.
        let ip = "10.43.\(1 + i / 250).\(1 + i % 250)"
        s.spec = CoreV1.ServiceSpec(ports: [CoreV1.ServicePort(name: "http", protocol: "TCP", port: 80, targetPort: 8080)],
                                    clusterIP: ip, clusterIPs: [ip], type: "ClusterIP")
        return s
    }

    static func endpointIP(_ i: Int, generation: Int, index: Int) -> String {
        let n = (i * 7 + generation * 13 + index) % 60_000
        return "10.42.\(n / 250).\(2 + n % 250)"
    }

    static func slice(_ i: Int, generation: Int, endpoints: Int) -> DiscoveryV1.EndpointSlice {
        var s = DiscoveryV1.EndpointSlice(metadata: MetaV1.ObjectMeta(name: "svc-\(i)-slice", namespace: namespace))
        s.metadata.labels = ["kubernetes.io/service-name": "svc-\(i)"]
        s.addressType = "IPv4"
        s.ports = [DiscoveryV1.EndpointPort(name: "http", protocol: "TCP", port: 8080)]
        s.endpoints = (0..<endpoints).map {
            DiscoveryV1.Endpoint(addresses: [endpointIP(i, generation: generation, index: $0)],
                                 conditions: DiscoveryV1.EndpointConditions(ready: true), nodeName: "bench-node")
        }
        return s
    }

    @discardableResult
    static func run(_ executable: String, _ arguments: [String]) throws -> Int32 {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: executable)
        p.arguments = arguments
        p.standardOutput = FileHandle.nullDevice
        p.standardError = FileHandle.nullDevice
        try p.run()
        p.waitUntilExit()
        return p.terminationStatus
    }

    static func output(_ executable: String, _ arguments: [String]) throws -> String {
        let p = Process()
        let pipe = Pipe()
        p.executableURL = URL(fileURLWithPath: executable)
        p.arguments = arguments
        p.standardOutput = pipe
        p.standardError = FileHandle.nullDevice
        try p.run()
        let data = pipe.fileHandleForReading.readDataToEndOfFile()
        p.waitUntilExit()
        return String(decoding: data, as: UTF8.self)
    }
}

/// The proxy's sync reports, for the bench to wait on one service's commit with a deadline.
private actor CommitLog {
    private var reports: [ProxySyncReport] = []
    private var waiters: [(id: UUID, match: @Sendable (ProxySyncReport) -> Bool, continuation: CheckedContinuation<ProxySyncReport?, Never>)] = []

    func add(_ report: ProxySyncReport) {
        reports.append(report)
        if reports.count > 64 { reports.removeFirst(reports.count - 64) }
        var remaining: [(id: UUID, match: @Sendable (ProxySyncReport) -> Bool, continuation: CheckedContinuation<ProxySyncReport?, Never>)] = []
        for w in waiters { if w.match(report) { w.continuation.resume(returning: report) } else { remaining.append(w) } }
        waiters = remaining
    }

    func waitForFullSync(timeout: Duration) async -> ProxySyncReport? {
        await wait(timeout: timeout) { $0.full }
    }

    func waitForCommit(of key: String, after start: ContinuousClock.Instant, timeout: Duration) async -> ProxySyncReport? {
        await wait(timeout: timeout) { r in r.committedAt >= start && (r.changes[key].map { $0 >= start } ?? false) }
    }

    private func wait(timeout: Duration, _ match: @escaping @Sendable (ProxySyncReport) -> Bool) async -> ProxySyncReport? {
        if let done = reports.first(where: match) { return done }
        let id = UUID()
        let timer = Task { [weak self] in
            try? await Task.sleep(for: timeout)
            await self?.expire(id)
        }
        defer { timer.cancel() }
        return await withCheckedContinuation { waiters.append((id, match, $0)) }
    }

    private func expire(_ id: UUID) {
        guard let index = waiters.firstIndex(where: { $0.id == id }) else { return }
        waiters.remove(at: index).continuation.resume(returning: nil)
    }
}
