import Foundation
import Synchronization

/// Collects latencies (in seconds) from many tasks and summarises them.
final class LatencyRecorder: Sendable {
    private let samples = Mutex<[Double]>([])
    private let errors = Atomic<Int>(0)

    func record(_ seconds: Double) { samples.withLock { $0.append(seconds) } }
    func fail() { errors.add(1, ordering: .relaxed) }

    /// `{"ops":…, "errors":…, "ops_per_s":…, "p50_ms":…, "p99_ms":…, "max_ms":…}`
    func summary(elapsed: Double) -> [String: Double] {
        let s = samples.withLock { $0.sorted() }
        func pct(_ p: Double) -> Double {
            guard !s.isEmpty else { return 0 }
            return s[min(s.count - 1, Int((Double(s.count) * p).rounded(.up)) - 1)] * 1000
        }
        return ["ops": Double(s.count), "errors": Double(errors.load(ordering: .relaxed)),
                "ops_per_s": elapsed > 0 ? (Double(s.count) / elapsed).rounded() : 0,
                "p50_ms": (pct(0.50) * 100).rounded() / 100, "p99_ms": (pct(0.99) * 100).rounded() / 100,
                "max_ms": ((s.last ?? 0) * 100_000).rounded() / 100]
    }
}
