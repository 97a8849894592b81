import Foundation

/// Kubelet's CrashLoopBackOff: the per-container restart delay, 10 s doubling up to 5 min,
/// forgotten once a container has run for 10 min (twice the cap) before exiting. It follows
/// kubelet's `flowcontrol.Backoff` as `doBackOff` uses it: the first restart after an exit
/// is immediate; each later exit must wait the current delay, counted from the exit.
///
/// Use: when a container has exited and would be restarted, call `check(_:finishedAt:)`.
/// `.restart` means start it now (the delay has grown for next time); `.backOff` means
/// wait, with the waiting reason `CrashLoopBackOff` and the message it carries.
public actor RestartBackoff {
    /// The container a delay belongs to (kubelet's stable key: pod name, namespace, UID,
    /// container name and spec hash, so that a changed spec starts afresh).
    public struct Key: Sendable, Hashable {
        public var pod: PodIdentity
        public var container: String
        /// A hash of the container spec; empty when the caller does not track it.
        public var specHash: String

        public init(pod: PodIdentity, container: String, specHash: String = "") {
            self.pod = pod
            self.container = container
            self.specHash = specHash
        }
    }

    public enum Decision: Sendable, Hashable {
        /// Restart now; the delay before the next restart is now `nextDelay`.
        case restart(nextDelay: Duration)
        /// Do not restart yet.
        case backOff(BackOff)
    }

    /// A container waiting out its delay.
    public struct BackOff: Sendable, Hashable {
        /// The whole current delay (`10s`, `20s`, … `5m0s`).
        public var delay: Duration
        /// What is left of it.
        public var remaining: Duration
        /// The container's waiting message: `back-off 40s restarting failed container=app pod=web_default(uid)`.
        public var message: String
        /// The `Warning BackOff` event kubelet records each time it declines to restart.
        public var event: KubeletEvent

        /// The waiting reason that goes with `message`.
        public static let reason = "CrashLoopBackOff"
    }

    private struct Entry {
        var delay: Duration
        /// When the delay was last grown, i.e. the last restart.
        var lastUpdate: Date
    }

    public let initialDelay: Duration
    public let maxDelay: Duration
    let clock: any AgentClock
    private var entries: [Key: Entry] = [:]

    public init(initialDelay: Duration = .seconds(10), maxDelay: Duration = .seconds(300), clock: any AgentClock = SystemAgentClock()) {
        self.initialDelay = initialDelay
        self.maxDelay = maxDelay
        self.clock = clock
    }

    /// Decides about a container that exited at `finishedAt`: restart now (and grow the
    /// delay), or wait.
    public func check(_ key: Key, finishedAt: Date) -> Decision {
        if let waiting = backOff(key, finishedAt: finishedAt) { return .backOff(waiting) }
        recordRestart(key, finishedAt: finishedAt)
        return .restart(nextDelay: entries[key]!.delay)
    }

    /// The wait left before a container that exited at `finishedAt` may restart; nil when it
    /// may restart now. Does not change anything.
    public func backOff(_ key: Key, finishedAt: Date) -> BackOff? {
        guard let entry = entries[key], !expired(entry, at: finishedAt) else { return nil }
        let sinceExit = clock.now.timeIntervalSince(finishedAt)
        guard sinceExit < entry.delay.timeInterval else { return nil }
        let remaining = Duration(timeInterval: entry.delay.timeInterval - max(0, sinceExit))
        return BackOff(delay: entry.delay, remaining: remaining,
                       message: Self.waitingMessage(delay: entry.delay, container: key.container, pod: key.pod),
                       event: KubeletEvent(type: KubeletEvent.warning, reason: "BackOff",
                                           message: "Back-off restarting failed container \(key.container) in pod \(key.pod.formatted)"))
    }

    /// Whether a container that exited at `finishedAt` may restart now.
    public func mayRestart(_ key: Key, finishedAt: Date) -> Bool {
        backOff(key, finishedAt: finishedAt) == nil
    }

    /// Records that the container is being restarted after the exit at `finishedAt`: the
    /// delay starts at the initial value, or doubles up to the cap, or starts afresh when the
    /// container had run for longer than twice the cap since the last restart.
    public func recordRestart(_ key: Key, finishedAt: Date) {
        if let entry = entries[key], !expired(entry, at: finishedAt) {
            entries[key] = Entry(delay: min(entry.delay * 2, maxDelay), lastUpdate: clock.now)
        } else {
            entries[key] = Entry(delay: initialDelay, lastUpdate: clock.now)
        }
    }

    /// The current delay of a container, if it has restarted before.
    public func currentDelay(_ key: Key) -> Duration? {
        entries[key]?.delay
    }

    /// Forgets a container (its pod is gone).
    public func forget(_ key: Key) {
        entries[key] = nil
    }

    /// Forgets every container of a pod.
    public func forgetPod(uid: String) {
        entries = entries.filter { $0.key.pod.uid != uid }
    }

    /// Drops entries not touched for twice the cap (kubelet's periodic GC).
    public func collectGarbage() {
        let now = clock.now
        entries = entries.filter { now.timeIntervalSince($0.value.lastUpdate) <= 2 * maxDelay.timeInterval }
    }

    /// A container that ran longer than twice the cap since its last restart starts afresh.
    private func expired(_ entry: Entry, at eventTime: Date) -> Bool {
        eventTime.timeIntervalSince(entry.lastUpdate) > 2 * maxDelay.timeInterval
    }

    /// Kubelet's waiting message for `CrashLoopBackOff`.
    public static func waitingMessage(delay: Duration, container: String, pod: PodIdentity) -> String {
        "back-off \(goDuration(delay)) restarting failed container=\(container) pod=\(pod.formatted)"
    }
}

/// Go's `time.Duration.String()` for whole and fractional seconds: `10s`, `1m20s`, `5m0s`,
/// `1h0m0s`, `1.5s`, `500ms`.
func goDuration(_ d: Duration) -> String {
    let totalNanos = Int64((d.timeInterval * 1e9).rounded())
    if totalNanos == 0 { return "0s" }
    let negative = totalNanos < 0
    var n = abs(totalNanos)
    let sign = negative ? "-" : ""
    if n < 1_000_000_000 {
        if n < 1_000 { return "\(sign)\(n)ns" }
        if n < 1_000_000 { return sign + trimmed(Double(n) / 1_000) + "µs" }
        return sign + trimmed(Double(n) / 1_000_000) + "ms"
    }
    let hours = n / 3_600_000_000_000
    n %= 3_600_000_000_000
    let minutes = n / 60_000_000_000
    n %= 60_000_000_000
    let seconds = trimmed(Double(n) / 1e9) + "s"
    if hours > 0 { return "\(sign)\(hours)h\(minutes)m\(seconds)" }
    if minutes > 0 { return "\(sign)\(minutes)m\(seconds)" }
    return sign + seconds
}

/// A decimal without trailing zeros (`1.5`, `20`).
private func trimmed(_ value: Double) -> String {
    var text = String(format: "%.9f", value)
    while text.hasSuffix("0") { text.removeLast() }
    if text.hasSuffix(".") { text.removeLast() }
    return text
}
