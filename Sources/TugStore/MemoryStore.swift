import Synchronization

/// A complete `Store` kept in memory: same revisions, compare-and-swap, history, watch and
/// compaction semantics as `SQLiteStore`, for unit tests of the API server. Data is lost on exit.
public final class MemoryStore: Store {
    private let state = Mutex(Inner())
    private let hub: WatchHub

    struct Inner {
        var history = MemoryHistory()
        var closed = false
    }

    /// - Parameter watchBufferLimit: live events buffered per watcher before it is cut off.
    public init(watchBufferLimit: Int = 10_000) {
        hub = WatchHub(revision: 0, bufferLimit: watchBufferLimit)
    }

    private func read<T>(_ body: (MemoryHistory) throws(StoreError) -> T) throws(StoreError) -> T {
        try state.withLock { (s: inout Inner) throws(StoreError) -> T in
            if s.closed { throw .closed }
            return try body(s.history)
        }
    }

    /// Applies a write and publishes its event under the lock, so events reach the hub in
    /// revision order.
    private func write(_ body: (inout MemoryHistory) throws(StoreError) -> StoreEvent) throws(StoreError) -> StoreEvent {
        try state.withLock { (s: inout Inner) throws(StoreError) -> StoreEvent in
            if s.closed { throw .closed }
            let e = try body(&s.history)
            hub.publish([e], revision: e.revision)
            return e
        }
    }

    public func get(_ key: String) async throws -> StoredValue? {
        try read { $0.get(key, at: $0.revision) }
    }

    public func get(_ key: String, atRevision: Int64) async throws -> StoredValue? {
        try read { (h) throws(StoreError) in
            try h.check(atRevision)
            return h.get(key, at: atRevision)
        }
    }

    public func list(prefix: String, atRevision: Int64?, limit: Int?, continueAfter: String?) async throws -> StoredList {
        try read { (h) throws(StoreError) in
            let rev = atRevision ?? h.revision
            if atRevision != nil { try h.check(rev) }
            return h.list(prefix: prefix, at: rev, limit: limit, continueAfter: continueAfter)
        }
    }

    public func count(prefix: String) async throws -> Int {
        try read { $0.count(prefix: prefix) }
    }

    public func create(_ key: String, _ value: [UInt8]) async throws -> Int64 {
        try write { (h) throws(StoreError) in try h.create(key, value) }.revision
    }

    public func update(_ key: String, _ value: [UInt8], expectedRevision: Int64) async throws -> Int64 {
        try write { (h) throws(StoreError) in try h.update(key, value, expectedRevision: expectedRevision) }.revision
    }

    public func delete(_ key: String, expectedRevision: Int64?) async throws -> (revision: Int64, deleted: StoredValue) {
        let e = try write { (h) throws(StoreError) in try h.delete(key, expectedRevision: expectedRevision) }
        guard case .delete(let gone, _) = e else { preconditionFailure("delete recorded a put") }
        return (e.revision, gone)
    }

    public func watch(prefix: String, fromRevision: Int64) -> AsyncThrowingStream<StoreEvent, any Error> {
        // The replay source holds the store while the watch lives; the hub drops it when the watch ends.
        hub.watch(prefix: prefix, fromRevision: fromRevision) { prefix, after, upTo, limit in
            try self.state.withLock { (s: inout Inner) throws(StoreError) -> [StoreEvent] in
                if s.closed { throw .closed }
                return try s.history.events(prefix: prefix, after: after, upTo: upTo, limit: limit)
            }
        }
    }

    public var currentRevision: Int64 {
        get async throws { try read { $0.revision } }
    }

    public var compactRevision: Int64 {
        get async throws { try read { $0.compactRevision } }
    }

    public func compact(keepRevisions: Int64) async throws -> Int64 {
        try state.withLock { (s: inout Inner) throws(StoreError) -> Int64 in
            if s.closed { throw .closed }
            return s.history.compact(keepRevisions: keepRevisions)
        }
    }

    public func close() async {
        state.withLock { $0.closed = true }
        hub.close()
    }
}
