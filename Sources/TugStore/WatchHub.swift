import Synchronization

/// In-process fan-out of committed events to watchers, shared by the backends.
///
/// The committing writer calls `publish` in revision order right after each commit. A watch from
/// an older revision starts in replay mode: it pulls history pages from its `ReplaySource` (the
/// table or the in-memory log) on demand, and switches to live delivery under the hub's lock once
/// it has caught up with the last published revision, so there is no gap and no duplicate.
/// Live events go into a bounded per-watcher buffer; a watcher whose buffer overflows is ended
/// with `.watcherTooSlow`, never silently skipped.
public final class WatchHub: Sendable {
    /// Events for keys with `prefix` and revision in `(after, upTo]`, oldest first, at most
    /// `limit`. Throws `.compacted` when `after` is older than the compact revision.
    public typealias ReplaySource = @Sendable (_ prefix: String, _ after: Int64, _ upTo: Int64, _ limit: Int) async throws -> [StoreEvent]

    struct State {
        var revision: Int64
        var subscribers: [UInt64: WatchSubscriber] = [:]
        var nextID: UInt64 = 0
        var closed = false
    }

    private let state: Mutex<State>
    /// Maximum buffered live events per watcher before it is cut off.
    public let bufferLimit: Int
    /// Rows fetched per replay step.
    public let replayPageSize: Int

    /// - Parameter revision: the newest committed revision when the hub starts.
    public init(revision: Int64, bufferLimit: Int = 10_000, replayPageSize: Int = 500) {
        self.state = Mutex(State(revision: revision))
        self.bufferLimit = max(1, bufferLimit)
        self.replayPageSize = max(1, replayPageSize)
    }

    /// The last published revision.
    public var revision: Int64 { state.withLock { $0.revision } }

    /// Delivers committed events (sorted by revision) and advances the hub to `revision`.
    /// Must be called in commit order, by one writer at a time.
    public func publish(_ events: [StoreEvent], revision: Int64) {
        let slow: [WatchSubscriber] = state.withLock { s in
            s.revision = max(s.revision, revision)
            var slow: [WatchSubscriber] = []
            for (id, sub) in s.subscribers where !sub.deliver(events) {
                s.subscribers[id] = nil
                slow.append(sub)
            }
            return slow
        }
        for sub in slow { sub.terminate(StoreError.watcherTooSlow) }
    }

    /// Starts a watch; see `Store.watch`.
    public func watch(prefix: String, fromRevision: Int64, replay: @escaping ReplaySource) -> AsyncThrowingStream<StoreEvent, any Error> {
        let sub: WatchSubscriber? = state.withLock { s in
            if s.closed { return nil }
            let id = s.nextID
            s.nextID += 1
            let from = max(0, fromRevision)
            let sub: WatchSubscriber
            if from == 0 || from >= s.revision {
                // Nothing to replay: live from here.
                sub = WatchSubscriber(id: id, hub: self, prefix: prefix, bufferLimit: bufferLimit,
                                      live: true, after: from == 0 ? s.revision : from, replay: replay)
            } else {
                sub = WatchSubscriber(id: id, hub: self, prefix: prefix, bufferLimit: bufferLimit,
                                      live: false, after: from, replay: replay)
            }
            s.subscribers[id] = sub
            return sub
        }
        guard let sub else {
            return AsyncThrowingStream { $0.finish(throwing: StoreError.closed) }
        }
        let token = WatchToken(sub)
        return AsyncThrowingStream(unfolding: { try await token.subscriber.next() })
    }

    /// Switches a replaying subscriber to live delivery if it has caught up with the last
    /// published revision. Atomic with `publish`, which is what makes the hand-over gap-free.
    func goLive(_ sub: WatchSubscriber, after: Int64) -> Bool {
        state.withLock { s in
            guard s.revision <= after, s.subscribers[sub.id] != nil else { return false }
            sub.setLive()
            return true
        }
    }

    func remove(_ id: UInt64) {
        let sub = state.withLock { $0.subscribers.removeValue(forKey: id) }
        sub?.terminate(nil)
    }

    /// Number of registered watchers (for tests and metrics).
    public var watcherCount: Int { state.withLock { $0.subscribers.count } }

    /// Ends every watch with `.closed` and refuses new ones.
    public func close() {
        let subs = state.withLock { s in
            s.closed = true
            defer { s.subscribers = [:] }
            return Array(s.subscribers.values)
        }
        for sub in subs { sub.terminate(StoreError.closed) }
    }
}

/// Owned by the stream's closure: when the consumer drops the stream, the token goes away and
/// unregisters the watcher, so abandoned watches do not accumulate in the hub.
final class WatchToken: Sendable {
    let subscriber: WatchSubscriber
    init(_ subscriber: WatchSubscriber) { self.subscriber = subscriber }
    deinit { subscriber.hub.remove(subscriber.id) }
}
