import ArgumentParser
import AsyncHTTPClient
import Foundation
import NIOCore

struct BenchCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "bench", abstract: "Benchmarks that print figures.",
                                                    subcommands: [APIBench.self, SchedulerBench.self, PodsBench.self, DNSBench.self,
                                                                  ServicesBench.self])
}

/// `tug bench api`: ConfigMap create/get/list latency and throughput, and watch delivery latency,
/// against a Tugboat (or any Kubernetes) API server; or raw puts against etcd for comparison.
struct APIBench: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "api", abstract: "Benchmark the API server (or etcd with --etcd).")

    @Option(help: "API server URL (http://127.0.0.1:6443).") var server: String?
    @Option(help: "etcd client URL: run the create workload as raw puts against etcd's v3 JSON gateway.") var etcd: String?
    @Option(help: "Concurrent clients.") var clients = 64
    @Option(help: "Seconds per phase.") var seconds = 10
    @Option(help: "Watchers for the watch-delivery phase (0 skips it).") var watchers = 0
    @Option(help: "Creates per second in the open-loop mutate phase.") var rate = 1000
    @Option(help: "Creates per second during the watch phase (each is delivered to every watcher).") var watchRate = 20
    @Option(help: "Bytes of data per ConfigMap.") var valueSize = 256

    func run() async throws {
        guard (1...4096).contains(clients), (1...600).contains(seconds), (0...5000).contains(watchers), (1...100_000).contains(rate),
              (1...100_000).contains(watchRate) else {
            throw ValidationError("clients 1–4096, seconds 1–600, watchers 0–5000, rate and watch-rate 1–100000")
        }
        var config = HTTPClient.Configuration()
        config.connectionPool.concurrentHTTP1ConnectionsPerHostSoftLimit = clients + watchers + 8
        config.timeout = .init(connect: .seconds(5), read: .seconds(120))
        let http = HTTPClient(eventLoopGroupProvider: .singleton, configuration: config)
        do {
            try await runPhases(http)
        } catch {
            try? await http.shutdown()
            throw error
        }
        try await http.shutdown()
    }

    func runPhases(_ http: HTTPClient) async throws {
        var result: [String: Any] = ["clients": clients, "seconds": seconds]
        let payload = String(repeating: "x", count: valueSize)
        if let etcd {
            result["target"] = "etcd"
            let b = EtcdWorkload(http: http, url: etcd, payload: payload)
            result["create"] = try await BenchLoop.closed(clients: clients, seconds: seconds) { c, i in try await b.put(c, i) }
        } else {
            guard let server else { throw ValidationError("give --server URL or --etcd URL") }
            result["target"] = "tugboat"
            let w = APIWorkload(http: http, url: server, payload: payload)
            try await w.createNamespace()
            result["create"] = try await BenchLoop.closed(clients: clients, seconds: seconds) { c, i in try await w.create(c, i) }
            let made = await w.createdNames()
            result["get"] = try await BenchLoop.closed(clients: clients, seconds: seconds) { c, i in try await w.get(made[(c * 7919 + i) % max(made.count, 1)]) }
            result["list"] = try await BenchLoop.closed(clients: clients, seconds: seconds) { _, _ in try await w.list(limit: 100) }
            result["mutate"] = try await WatchPhase(workload: w, watchers: 0, rate: rate, seconds: seconds, clients: clients, prefix: "mutate").run()
            if watchers > 0 {
                result["watch"] = try await WatchPhase(workload: w, watchers: watchers, rate: watchRate, seconds: seconds, clients: clients).run()
            }
            try? await w.deleteNamespace()
        }
        let data = try JSONSerialization.data(withJSONObject: result, options: [.sortedKeys])
        print(String(decoding: data, as: UTF8.self))
    }
}

/// Closed-loop load: every client sends its next request when the previous one answered.
enum BenchLoop {
    static func closed(clients: Int, seconds: Int, _ op: @escaping @Sendable (Int, Int) async throws -> Void) async throws -> [String: Double] {
        let rec = LatencyRecorder()
        let start = ContinuousClock.now
        let end = start + .seconds(seconds)
        await withTaskGroup(of: Void.self) { g in
            for c in 0..<clients {
                g.addTask {
                    var i = 0
                    // Bounded by time and by count.
                    while ContinuousClock.now < end && i < 10_000_000 {
                        let t0 = ContinuousClock.now
                        do {
                            try await op(c, i)
                            rec.record((ContinuousClock.now - t0).seconds)
                        } catch { rec.fail() }
                        i += 1
                    }
                }
            }
        }
        return rec.summary(elapsed: (ContinuousClock.now - start).seconds)
    }
}

extension Duration {
    var seconds: Double { Double(components.seconds) + Double(components.attoseconds) / 1e18 }
}
