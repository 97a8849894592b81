import Foundation

/// The time source of probe workers, lifecycle hooks and restart backoff. Injected so that
/// tests drive time by hand instead of sleeping, and never race the wall clock.
public protocol AgentClock: Sendable {
    /// Wall-clock now; compared with the runtime's container start and finish times.
    var now: Date { get }
    /// Suspends for `duration`; throws `CancellationError` when the task is cancelled.
    func sleep(for duration: Duration) async throws
}

/// The real clock: `Date()` and `Task.sleep`.
public struct SystemAgentClock: AgentClock {
    public init() {}
    public var now: Date { Date() }
    public func sleep(for duration: Duration) async throws {
        try await Task.sleep(for: duration)
    }
}

extension Duration {
    /// Whole and fractional seconds, for comparing with `Date` intervals.
    var timeInterval: TimeInterval {
        let c = components
        return TimeInterval(c.seconds) + TimeInterval(c.attoseconds) / 1e18
    }

    init(timeInterval: TimeInterval) {
        self = .nanoseconds(Int64((timeInterval * 1e9).rounded()))
    }
}
