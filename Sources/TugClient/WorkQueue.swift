import Foundation

/// Keys of objects that need a controller's attention (client-go's rate-limited work queue):
/// a key is queued at most once however often it is added, is handed to one worker at a time
/// (added again while being processed, it is queued after `done`), and failed keys come back
/// after an exponential per-key delay, all under an overall rate limit.
public actor WorkQueue {
    public struct RateLimits: Sendable {
        /// Per-key delay after the first failure, doubling per failure up to `maxDelay`.
        public var baseDelay: Duration = .milliseconds(5)
        public var maxDelay: Duration = .seconds(1000)
        /// Overall retries per second and burst (a token bucket over all keys).
        public var qps: Double = 10
        public var burst: Double = 100
        public init() {}
    }

    private var queue: [String] = []
    private var head = 0
    private var dirty: Set<String> = []
    private var processing: Set<String> = []
    private var waiters: [CheckedContinuation<String?, Never>] = []
    private var failures: [String: Int] = [:]
    private var shuttingDown = false
    private let limits: RateLimits
    private var tokens: Double
    private var lastRefill = ContinuousClock.now
    private var delayed: [UUID: Task<Void, Never>] = [:]

    public init(limits: RateLimits = RateLimits()) {
        self.limits = limits
        self.tokens = limits.burst
    }

    public var count: Int { queue.count - head }

    /// Queues `key` unless it is already waiting.
    public func add(_ key: String) {
        guard !shuttingDown, !dirty.contains(key) else { return }
        dirty.insert(key)
        if processing.contains(key) { return }
        if !waiters.isEmpty {
            // Hand it straight to a waiting worker.
            dirty.remove(key)
            processing.insert(key)
            waiters.removeFirst().resume(returning: key)
            return
        }
        queue.append(key)
    }

    /// The next key to work on, waiting for one; nil once the queue is shut down.
    public func next() async -> String? {
        if let key = take() { return key }
        if shuttingDown { return nil }
        return await withCheckedContinuation { waiters.append($0) }
    }

    private func take() -> String? {
        guard head < queue.count else { return nil }
        let key = queue[head]
        head += 1
        if head > 1024, head * 2 > queue.count {
            queue.removeFirst(head)
            head = 0
        }
        dirty.remove(key)
        processing.insert(key)
        return key
    }

    /// The worker finished `key`; if it was added meanwhile it is queued again.
    public func done(_ key: String) {
        processing.remove(key)
        if dirty.contains(key) {
            dirty.remove(key)
            add(key)
        }
    }

    /// Adds `key` after `delay`.
    public func add(_ key: String, after delay: Duration) {
        guard delay > .zero else { add(key); return }
        guard !shuttingDown else { return }
        let id = UUID()
        delayed[id] = Task { [weak self] in
            try? await Task.sleep(for: delay)
            await self?.fireDelayed(id, key)
        }
    }

    private func fireDelayed(_ id: UUID, _ key: String) {
        delayed[id] = nil
        if !Task.isCancelled { add(key) }
    }

    /// Adds `key` again after its backoff (the sync failed).
    public func addRateLimited(_ key: String) {
        let n = failures[key, default: 0]
        failures[key] = n + 1
        add(key, after: max(itemDelay(failures: n), bucketDelay(at: .now)))
    }

    /// The key succeeded: its backoff starts over.
    public func forget(_ key: String) { failures[key] = nil }

    public func requeues(_ key: String) -> Int { failures[key, default: 0] }

    func itemDelay(failures n: Int) -> Duration {
        let factor = pow(2.0, Double(min(n, 40)))
        let seconds = min(limits.baseDelay.seconds * factor, limits.maxDelay.seconds)
        return .nanoseconds(Int64(seconds * 1e9))
    }

    /// Reserves a token of the overall bucket at `now`; the wait until it is there.
    func bucketDelay(at now: ContinuousClock.Instant) -> Duration {
        tokens = min(limits.burst, tokens + (now - lastRefill).seconds * limits.qps)
        lastRefill = now
        tokens -= 1
        guard tokens < 0 else { return .zero }
        return .nanoseconds(Int64(-tokens / limits.qps * 1e9))
    }

    /// Wakes waiting workers with nil and drops delayed adds.
    public func shutDown() {
        shuttingDown = true
        for w in waiters { w.resume(returning: nil) }
        waiters = []
        for t in delayed.values { t.cancel() }
        delayed = [:]
    }
}

extension Duration {
    var seconds: Double { Double(components.seconds) + Double(components.attoseconds) / 1e18 }
}
