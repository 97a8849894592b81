import Foundation

/// Pods waiting to be scheduled (kube-scheduler's three queues): `active` pods are tried in
/// priority order; a pod that failed waits out its backoff (1 s doubling to 10 s), or, when
/// no node fitted, sits with the `unschedulable` ones until a cluster change could help
/// (`moveAllToActive`) or a minute passes.
public actor SchedulingQueue {
    struct Entry {
        var key: String
        var priority: Int
        var seq: UInt64
    }

    private var active: [Entry] = []
    private var queued: Set<String> = []
    private var backoff: [String: (readyAt: ContinuousClock.Instant, priority: Int)] = [:]
    private var unschedulable: [String: (since: ContinuousClock.Instant, priority: Int)] = [:]
    private var attempts: [String: Int] = [:]
    private var waiters: [CheckedContinuation<String?, Never>] = []
    private var seq: UInt64 = 0
    private var closed = false

    public let initialBackoff: Duration
    public let maxBackoff: Duration
    public let unschedulableTimeout: Duration

    public init(initialBackoff: Duration = .seconds(1), maxBackoff: Duration = .seconds(10), unschedulableTimeout: Duration = .seconds(60)) {
        self.initialBackoff = initialBackoff
        self.maxBackoff = maxBackoff
        self.unschedulableTimeout = unschedulableTimeout
    }

    public var activeCount: Int { active.count }
    public var backoffCount: Int { backoff.count }
    public var unschedulableCount: Int { unschedulable.count }

    /// A new or changed pod to schedule now.
    public func add(_ key: String, priority: Int = 0) {
        guard !closed else { return }
        backoff[key] = nil
        unschedulable[key] = nil
        push(key, priority)
    }

    private func push(_ key: String, _ priority: Int) {
        guard !queued.contains(key) else { return }
        if !waiters.isEmpty {
            waiters.removeFirst().resume(returning: key)
            return
        }
        queued.insert(key)
        seq += 1
        let e = Entry(key: key, priority: priority, seq: seq)
        // Higher priority first, then first come first served.
        var lo = 0, hi = active.count
        while lo < hi {
            let mid = (lo + hi) / 2
            let m = active[mid]
            if m.priority > e.priority || (m.priority == e.priority && m.seq < e.seq) { lo = mid + 1 } else { hi = mid }
        }
        active.insert(e, at: lo)
    }

    /// The next pod to try; waits for one; nil once closed.
    public func pop() async -> String? {
        flush(now: .now)
        if !active.isEmpty {
            let e = active.removeFirst()
            queued.remove(e.key)
            return e.key
        }
        if closed { return nil }
        return await withCheckedContinuation { waiters.append($0) }
    }

    /// The pod is gone or bound: forget it everywhere.
    public func remove(_ key: String) {
        if queued.remove(key) != nil { active.removeAll { $0.key == key } }
        backoff[key] = nil
        unschedulable[key] = nil
        attempts[key] = nil
    }

    /// Scheduling failed for a reason other than fit (binding error): retry after backoff.
    public func addBackoff(_ key: String, priority: Int = 0) {
        let n = attempts[key, default: 0]
        attempts[key] = n + 1
        backoff[key] = (.now + backoffDuration(attempts: n), priority)
    }

    /// No node fits: wait for a change in the cluster.
    public func addUnschedulable(_ key: String, priority: Int = 0) {
        attempts[key, default: 0] += 1
        unschedulable[key] = (.now, priority)
    }

    /// A node appeared or changed, or a pod went away: unschedulable pods get another try
    /// (after their backoff).
    public func moveAllToActive() {
        let now = ContinuousClock.now
        for (key, u) in unschedulable {
            let ready = now + backoffDuration(attempts: max(0, attempts[key, default: 1] - 1))
            backoff[key] = (ready, u.priority)
        }
        unschedulable = [:]
        flush(now: now)
    }

    func backoffDuration(attempts n: Int) -> Duration {
        var d = initialBackoff
        for _ in 0..<min(n, 16) where d < maxBackoff { d = d * 2 }
        return min(d, maxBackoff)
    }

    /// Moves pods whose backoff is over, and long-unschedulable ones, to active.
    public func flush(now: ContinuousClock.Instant) {
        for (key, b) in backoff where b.readyAt <= now {
            backoff[key] = nil
            push(key, b.priority)
        }
        for (key, u) in unschedulable where now - u.since >= unschedulableTimeout {
            unschedulable[key] = nil
            push(key, u.priority)
        }
    }

    public func close() {
        closed = true
        for w in waiters { w.resume(returning: nil) }
        waiters = []
    }
}
