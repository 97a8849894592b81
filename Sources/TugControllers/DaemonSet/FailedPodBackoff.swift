import Foundation

/// How soon a DaemonSet may replace a failed pod on a node again (Kubernetes' failedPodsBackoff):
/// 1 s after the first failure, doubling up to 15 minutes, so a pod that fails at once does not
/// turn into a hot create/delete loop.
actor FailedPodBackoff {
    private var entries: [String: (delay: Duration, last: ContinuousClock.Instant)] = [:]
    let initial: Duration
    let limit: Duration

    init(initial: Duration = .seconds(1), limit: Duration = .seconds(900)) {
        self.initial = initial
        self.limit = limit
    }

    /// nil when the failed pod may be replaced now (which counts as an attempt); otherwise how
    /// long to wait.
    func attempt(_ key: String, now: ContinuousClock.Instant = .now) -> Duration? {
        if let e = entries[key] {
            let since = now - e.last
            if since < e.delay { return e.delay - since }
            entries[key] = (min(e.delay * 2, limit), now)
        } else {
            entries[key] = (initial, now)
        }
        return nil
    }

    func forget(prefix: String) {
        for key in entries.keys where key.hasPrefix(prefix) { entries[key] = nil }
    }
}
