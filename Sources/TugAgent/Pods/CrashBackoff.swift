import Foundation

/// Kubernetes' CrashLoopBackOff per container: the first restart is immediate, then 10 s
/// doubling to 5 min; a container that ran 10 min before exiting starts over.
struct CrashBackoff: Sendable {
    static let initial: TimeInterval = 10
    static let cap: TimeInterval = 300
    static let resetAfter: TimeInterval = 600
    private var entries: [String: (delay: TimeInterval, lastRestart: Date)] = [:]

    /// Seconds left before `key` may restart, or nil when it may restart now.
    func remaining(_ key: String, finishedAt: Date, now: Date) -> TimeInterval? {
        guard let e = entries[key] else { return nil }
        let until = finishedAt.addingTimeInterval(e.delay)
        return until > now ? until.timeIntervalSince(now) : nil
    }

    func current(_ key: String) -> TimeInterval { entries[key]?.delay ?? Self.initial }

    mutating func recordRestart(_ key: String, ranFor: TimeInterval, now: Date) {
        if let e = entries[key], ranFor < Self.resetAfter {
            entries[key] = (min(Self.cap, e.delay * 2), now)
        } else {
            entries[key] = (Self.initial, now)
        }
    }

    /// `10s`, `1m20s`, `5m0s`, as Go prints a duration.
    static func describe(_ t: TimeInterval) -> String {
        let s = Int(t)
        return s < 60 ? "\(s)s" : "\(s / 60)m\(s % 60)s"
    }
}
