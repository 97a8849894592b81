import ArgumentParser
import Foundation
import Logging
import NIOCore
import Synchronization
import TugAPI
import TugNetwork

/// `tug bench dns`: the cluster DNS server on 127.0.0.1 (free port) over a synthetic zone of N
/// services (no API server), driven by a closed-loop UDP load generator in this process:
/// plain blocking sockets on threads, each keeping several queries outstanding. Prints
/// queries/s, p50/p99 latency and errors (lost or wrong answers). CoreDNS publishes 33.7k
/// queries/s on 2 vCPUs for the same kind of load.
struct DNSBench: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "dns", abstract: "Benchmark the cluster DNS server (queries/s, latency).")

    @Option(help: "Services in the synthetic zone.") var services = 1000
    @Option(help: "Seconds of load.") var seconds = 10
    @Option(help: "Queries outstanding at once, over all client sockets.") var concurrency = 64
    @Option(help: "Client threads, one UDP socket each.") var clients = 2
    @Option(help: "UDP server sockets (SO_REUSEPORT); default one per core.") var serverSockets: Int?

    func run() async throws {
        guard (1...60_000).contains(services), (1...600).contains(seconds), (1...64).contains(clients),
              (clients...(clients * 1024)).contains(concurrency), (1...16).contains(serverSockets ?? 1) else {
            throw ValidationError("services 1–60000, seconds 1–600, clients 1–64, concurrency from clients to 1024 per client, server-sockets 1–16")
        }
        LoggingSystem.bootstrap { label in
            var h = StreamLogHandler.standardError(label: label)
            h.logLevel = .warning
            return h
        }
        var builder = try ClusterZoneBuilder()
        var names: [DNSName] = []
        for i in 0..<services {
            var service = CoreV1.Service(metadata: MetaV1.ObjectMeta(name: "svc-\(i)", namespace: "bench"))
            let ip = "10.43.\(1 + i / 250).\(1 + i % 250)"
            service.spec = CoreV1.ServiceSpec(ports: [CoreV1.ServicePort(name: "http", protocol: "TCP", port: 80)], clusterIP: ip, clusterIPs: [ip])
            builder.apply(service: service)
            names.append(try DNSName("svc-\(i).bench.svc.cluster.local"))
        }
        let responder = ClusterDNSResponder(zone: LiveClusterZone(builder.snapshot()), forwarder: nil)
        let server = ClusterDNSServer(responder: responder, listen: [try SocketAddress(ipAddress: "127.0.0.1", port: 0)],
                                      udpSocketsPerAddress: serverSockets)
        guard let port = try await server.start().first?.port else { throw ValidationError("the DNS server did not report its port") }

        // Queries encoded once; the generator only stamps IDs into them.
        let queries = names.map { DNSMessage.query(id: 0, name: $0, type: .a).encoded() }
        let load = DNSLoad(port: UInt16(port), queries: queries, clients: clients, window: concurrency / clients, seconds: Double(seconds))
        let result = await load.run()
        await server.stop()

        let summary: [String: Any] = [
            "services": services, "seconds": seconds, "clients": clients, "concurrency": concurrency,
            "server_sockets": serverSockets ?? System.coreCount,
            "queries": result.latencies.count, "errors": result.errors,
            "qps": (Double(result.latencies.count) / result.elapsed).rounded(),
            "p50_ms": DNSLoad.percentile(result.latencies, 0.50), "p99_ms": DNSLoad.percentile(result.latencies, 0.99),
        ]
        let data = try JSONSerialization.data(withJSONObject: summary, options: [.sortedKeys])
        print(String(decoding: data, as: UTF8.self))
    }
}

/// The closed-loop UDP load generator: per thread a connected socket, `window` queries in
/// flight, each answer timed and replaced by the next query.
struct DNSLoad: Sendable {
    let port: UInt16
    let queries: [[UInt8]]
    let clients: Int
    let window: Int
    let seconds: Double

    struct Result {
        var latencies: [Double] = []
        var errors = 0
        var elapsed = 0.0
    }

    func run() async -> Result {
        let results = Mutex<[([Double], Int)]>([])
        let start = DNSLoad.now()
        await withCheckedContinuation { (done: CheckedContinuation<Void, Never>) in
            let group = DispatchGroup()
            for index in 0..<clients {
                group.enter()
                let thread = Thread {
                    let r = self.client(seed: UInt64(index + 1))
                    results.withLock { $0.append(r) }
                    group.leave()
                }
                thread.start()
            }
            group.notify(queue: .global()) { done.resume() }
        }
        var result = Result(elapsed: Double(DNSLoad.now() - start) / 1e9)
        for (latencies, errors) in results.withLock({ $0 }) {
            result.latencies += latencies
            result.errors += errors
        }
        result.latencies.sort()
        return result
    }

    /// One client thread: returns latencies (ms) and errors (answers lost or wrong).
    func client(seed: UInt64) -> ([Double], Int) {
        let fd = socket(AF_INET, Int32(SOCK_DGRAM.rawValue), 0)
        guard fd >= 0 else { return ([], 1) }
        defer { close(fd) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = port.bigEndian
        address.sin_addr.s_addr = UInt32(0x7F00_0001).bigEndian
        var timeout = timeval(tv_sec: 0, tv_usec: 200_000)
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        var buffer = Int32(4 << 20)
        setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &buffer, socklen_t(MemoryLayout<Int32>.size))
        let connected = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard connected == 0 else { return ([], 1) }

        var rng = seed &* 0x9E37_79B9_7F4A_7C15
        var latencies: [Double] = []
        latencies.reserveCapacity(Int(seconds * 60_000 / Double(clients)))
        var errors = 0
        // IDs: the low 10 bits name the slot, the upper 6 a generation, so a late answer to a
        // replaced query is recognised and ignored.
        var sentAt = [UInt64](repeating: 0, count: window)
        var expected = [UInt16](repeating: 0, count: window)
        var generation = [UInt16](repeating: 0, count: window)
        var packet = [UInt8](repeating: 0, count: 512)
        func send(_ slot: Int) {
            rng ^= rng << 13
            rng ^= rng >> 7
            rng ^= rng << 17
            var query = queries[Int(rng % UInt64(queries.count))]
            generation[slot] = (generation[slot] + 1) & 0x3F
            let id = generation[slot] << 10 | UInt16(slot)
            query[0] = UInt8(id >> 8)
            query[1] = UInt8(truncatingIfNeeded: id)
            expected[slot] = id
            sentAt[slot] = DNSLoad.now()
            _ = query.withUnsafeBytes { Glibc.send(fd, $0.baseAddress, $0.count, 0) }
        }
        let end = DNSLoad.now() + UInt64(seconds * 1e9)
        for slot in 0..<window { send(slot) }
        var iterations = 0
        while iterations < 100_000_000 {
            iterations += 1
            let now = DNSLoad.now()
            if now >= end { break }
            let n = packet.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
            if n < 0 {
                // Nothing for 200 ms: count what is in flight as lost and start it again.
                errors += window
                for slot in 0..<window { send(slot) }
                continue
            }
            guard n >= 12 else { errors += 1; continue }
            let id = UInt16(packet[0]) << 8 | UInt16(packet[1])
            let slot = Int(id & 0x3FF)
            guard slot < window, expected[slot] == id else { continue }
            let received = DNSLoad.now()
            // NOERROR with one answer.
            if packet[3] & 0x0F == 0 && packet[6] == 0 && packet[7] == 1 {
                latencies.append(Double(received - sentAt[slot]) / 1e6)
            } else {
                errors += 1
            }
            send(slot)
        }
        return (latencies, errors)
    }

    static func now() -> UInt64 {
        var ts = timespec()
        clock_gettime(CLOCK_MONOTONIC, &ts)
        return UInt64(ts.tv_sec) * 1_000_000_000 + UInt64(ts.tv_nsec)
    }

    /// Milliseconds at quantile `p` of sorted latencies, two decimals.
    static func percentile(_ sorted: [Double], _ p: Double) -> Double {
        guard !sorted.isEmpty else { return 0 }
        let value = sorted[min(sorted.count - 1, max(0, Int((Double(sorted.count) * p).rounded(.up)) - 1))]
        return (value * 100).rounded() / 100
    }
}
