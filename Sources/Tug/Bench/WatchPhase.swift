import AsyncHTTPClient
import Foundation
import NIOCore
import Synchronization

/// Open-loop creates at `rate`/s, and with `watchers` > 0 watch delivery: the latency of an
/// event is from the create's request start to its arrival at each watcher.
struct WatchPhase {
    let workload: APIWorkload
    let watchers: Int
    let rate: Int
    let seconds: Int
    let clients: Int
    /// Object names are `PREFIX-N`, so phases do not collide.
    var prefix = "watch"

    func run() async throws -> [String: Double] {
        let sent = SendTimes()
        let delivery = LatencyRecorder()
        let creates = LatencyRecorder()
        let list = try await workload.send(.GET, "\(workload.collection)?limit=1", expect: 200)
        let rv = (try? JSONSerialization.jsonObject(with: Data(buffer: list)) as? [String: Any])
            .flatMap { ($0["metadata"] as? [String: Any])?["resourceVersion"] as? String } ?? "0"
        let ready = Counter()
        let watchTasks = (0..<watchers).map { _ in
            Task {
                var req = HTTPClientRequest(url: "\(workload.collection)?watch=true&resourceVersion=\(rv)&timeoutSeconds=\(seconds + 30)")
                req.method = .GET
                guard let resp = try? await workload.http.execute(req, timeout: .seconds(Int64(seconds + 60))) else { return }
                ready.increment()
                var pending: [UInt8] = []
                do {
                    for try await chunk in resp.body {
                        let now = ContinuousClock.now
                        pending += chunk.readableBytesView
                        var start = 0
                        while let nl = pending[start...].firstIndex(of: 10) {
                            if let name = WatchPhase.name(in: pending[start..<nl]), let t0 = sent.get(name) {
                                delivery.record((now - t0).seconds)
                            }
                            start = nl + 1
                        }
                        pending.removeFirst(start)
                    }
                } catch {}
            }
        }
        // Wait (bounded) for the watch connections to open.
        for _ in 0..<200 where ready.value < watchers { try await Task.sleep(for: .milliseconds(50)) }
        let start = ContinuousClock.now
        let total = rate * seconds
        let interval = Duration.seconds(1) / rate
        await withTaskGroup(of: Void.self) { g in
            for c in 0..<clients {
                g.addTask {
                    var k = c
                    while k < total {
                        let due = start + interval * k
                        try? await Task.sleep(until: due, clock: .continuous)
                        let name = "\(prefix)-\(k)"
                        let t0 = ContinuousClock.now
                        sent.set(name, t0)
                        do {
                            try await workload.createNamed(name)
                            creates.record((ContinuousClock.now - t0).seconds)
                        } catch { creates.fail() }
                        k += clients
                    }
                }
            }
        }
        let elapsed = (ContinuousClock.now - start).seconds
        try await Task.sleep(for: .seconds(2))
        for t in watchTasks { t.cancel() }
        var out: [String: Double] = ["watchers": Double(watchers), "target_rate": Double(rate)]
        for (k, v) in creates.summary(elapsed: elapsed) { out["create_" + k] = v }
        for (k, v) in delivery.summary(elapsed: elapsed) { out["delivery_" + k] = v }
        out["delivery_expected"] = Double(total * watchers)
        return out
    }

    /// The object's name in a watch line: the first `"name":"…"` (metadata's), found with a byte
    /// search so the load generator spends little of the machine's CPU.
    static func name(in line: ArraySlice<UInt8>) -> String? {
        let needle = Array(#""name":""#.utf8)
        var i = line.startIndex
        let end = line.endIndex - needle.count
        while i <= end {
            if line[i] == needle[0], line[i..<(i + needle.count)].elementsEqual(needle) {
                let from = i + needle.count
                guard let close = line[from...].firstIndex(of: UInt8(ascii: "\"")) else { return nil }
                return String(decoding: line[from..<close], as: UTF8.self)
            }
            i += 1
        }
        return nil
    }
}

/// When each create was sent, by object name.
final class SendTimes: Sendable {
    private let times = Mutex<[String: ContinuousClock.Instant]>([:])
    func set(_ name: String, _ t: ContinuousClock.Instant) { times.withLock { $0[name] = t } }
    func get(_ name: String) -> ContinuousClock.Instant? { times.withLock { $0[name] } }
}

final class Counter: Sendable {
    private let n = Atomic<Int>(0)
    func increment() { n.add(1, ordering: .relaxed) }
    var value: Int { n.load(ordering: .relaxed) }
}
