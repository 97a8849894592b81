/// Services whose rules may be stale, and when each first changed: informer handlers mark
/// keys here, the sync loop takes them all at once, so changes that arrive close together
/// (or while a transaction runs) land in one transaction.
actor ProxyChangeTracker {
    private var dirty: [String: ContinuousClock.Instant] = [:]
    private var fullRequested = false
    /// Wakes the sync loop; holds at most one pending wake-up.
    nonisolated let signals: AsyncStream<Void>
    private nonisolated let signal: AsyncStream<Void>.Continuation

    init() {
        (signals, signal) = AsyncStream.makeStream(of: Void.self, bufferingPolicy: .bufferingNewest(1))
    }

    func mark(_ key: String, at instant: ContinuousClock.Instant = .now) {
        if dirty[key] == nil { dirty[key] = instant }
        signal.yield()
    }

    func requestFullSync() {
        fullRequested = true
        signal.yield()
    }

    /// Requests a full sync every `period` until the task is cancelled (the periodic resync
    /// that repairs whatever someone else changed behind our back).
    nonisolated func requestFullSyncs(every period: Duration) async {
        while !Task.isCancelled {
            try? await Task.sleep(for: period)
            if !Task.isCancelled { await requestFullSync() }
        }
    }

    /// Everything pending, cleared.
    func take() -> (keys: [String: ContinuousClock.Instant], full: Bool) {
        defer { dirty = [:]; fullRequested = false }
        return (dirty, fullRequested)
    }

    /// Puts back what a failed sync took, keeping the earlier change times.
    func restore(_ keys: [String: ContinuousClock.Instant]) {
        dirty.merge(keys) { min($0, $1) }
    }

    nonisolated func finish() { signal.finish() }
}
