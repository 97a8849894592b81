import Foundation
import Synchronization
import TugAPI
import TugStore

/// Per-resource cache of current objects and recent events, fed in revision order by
/// `CacheDispatcher`. Lists and most watches are served from here and never reach the store.
public final class WatchCache: Sendable {
    public let info: ResourceInfo
    let attributes: @Sendable (_ bytes: [UInt8]) -> (labels: [String: String], fields: [String: String])
    let historyCapacity: Int
    private let state: Mutex<State>
    private let dispatcherRevision: @Sendable () -> Int64

    struct Watcher {
        let filter: ObjectFilter
        let bookmarks: Bool
        let continuation: AsyncThrowingStream<WatchItem, any Error>.Continuation
    }

    struct State {
        var objects: [String: CachedObject] = [:]
        var history: [CacheEvent] = []   // ring, oldest first after `head`
        var head = 0
        /// History is complete for revisions greater than this.
        var completeAfter: Int64 = 0
        var lastEventRevision: Int64 = 0
        var watchers: [UInt64: Watcher] = [:]
        var nextWatcherID: UInt64 = 0
    }

    init(info: ResourceInfo, historyCapacity: Int = 2048, dispatcherRevision: @escaping @Sendable () -> Int64,
         attributes: @escaping @Sendable ([UInt8]) -> (labels: [String: String], fields: [String: String])) {
        self.info = info
        self.historyCapacity = historyCapacity
        self.attributes = attributes
        self.dispatcherRevision = dispatcherRevision
        self.state = Mutex(State())
    }

    func makeObject(_ v: StoredValue) -> CachedObject {
        let bytes = ObjectBytes.withResourceVersion(v.value, v.modRevision)
        let rest = v.key.dropFirst(info.storePrefix.count)
        let ns: String?
        let name: String
        if info.namespaced, let slash = rest.firstIndex(of: "/") {
            ns = String(rest[..<slash])
            name = String(rest[rest.index(after: slash)...])
        } else {
            ns = nil
            name = String(rest)
        }
        let a = attributes(v.value)
        var fields = a.fields
        fields["metadata.name"] = name
        if info.namespaced { fields["metadata.namespace"] = ns ?? "" }
        return CachedObject(key: v.key, namespace: ns, name: name, revision: v.modRevision, bytes: bytes,
                            labels: a.labels, fields: fields)
    }

    /// Fills the cache from a list taken at `revision`.
    func reset(_ items: [StoredValue], revision: Int64) {
        let objs = items.map(makeObject)
        let old: [Watcher] = state.withLock { s in
            s.objects = Dictionary(objs.map { ($0.key, $0) }, uniquingKeysWith: { $1 })
            s.history = []
            s.head = 0
            s.completeAfter = revision
            s.lastEventRevision = revision
            defer { s.watchers = [:] }
            return Array(s.watchers.values)
        }
        // Finish outside the lock: finishing runs onTermination, which takes the lock.
        for w in old { w.continuation.finish(throwing: APIError.gone("the watch cache was reset; relist")) }
    }

    /// Applies one store event (called by the dispatcher, in revision order).
    func apply(_ e: StoreEvent) {
        let event: CacheEvent
        switch e {
        case .put(let v, let prev):
            let obj = makeObject(v)
            event = CacheEvent(type: prev == nil ? .added : .modified, object: obj, previous: nil)
        case .delete(let v, _):
            let obj = makeObject(v)
            event = CacheEvent(type: .deleted, object: obj, previous: nil)
        }
        let slow: [Watcher] = state.withLock { s in
            let previous = s.objects[event.object.key]
            let full = CacheEvent(type: event.type == .added && previous != nil ? .modified : event.type,
                                  object: event.object, previous: previous)
            if full.type == .deleted { s.objects[full.object.key] = nil } else { s.objects[full.object.key] = full.object }
            if s.history.count < historyCapacity {
                s.history.append(full)
            } else {
                s.completeAfter = s.history[s.head].revision
                s.history[s.head] = full
                s.head = (s.head + 1) % historyCapacity
            }
            s.lastEventRevision = full.revision
            var dead: [Watcher] = []
            for (id, w) in s.watchers {
                guard let t = w.filter.translate(full) else { continue }
                if case .dropped = w.continuation.yield(.event(t)) {
                    dead.append(w)
                    s.watchers[id] = nil
                }
            }
            return dead
        }
        for w in slow {
            w.continuation.finish(throwing: APIError.gone("the watch fell behind and was closed; watch again from a newer resourceVersion"))
        }
    }

    /// Current objects matching `filter`, sorted by key, and the revision they are consistent at.
    public func snapshot(_ filter: ObjectFilter) -> (objects: [CachedObject], revision: Int64) {
        state.withLock { s in
            let rev = max(s.lastEventRevision, dispatcherRevision())
            let objs = s.objects.values.filter(filter.matches).sorted { $0.key < $1.key }
            return (objs, rev)
        }
    }

    public func get(_ key: String) -> CachedObject? { state.withLock { $0.objects[key] } }

    public enum WatchStart: Sendable {
        /// Synthetic ADDED events for every current object, then live (no resourceVersion, or watch-list).
        case initialEvents(bookmarkAtEnd: Bool)
        /// Events after this revision.
        case after(Int64)
    }

    /// Starts a watch; nil when `after` is older than the cache's history (the caller replays from the store).
    public func watch(_ filter: ObjectFilter, start: WatchStart, bookmarks: Bool = false, buffer: Int = 4096) -> AsyncThrowingStream<WatchItem, any Error>? {
        let (stream, cont) = AsyncThrowingStream<WatchItem, any Error>.makeStream(bufferingPolicy: .bufferingOldest(buffer))
        let ok: Bool = state.withLock { s in
            let rev = max(s.lastEventRevision, dispatcherRevision())
            switch start {
            case .initialEvents(let bookmark):
                let objs = s.objects.values.filter(filter.matches).sorted { $0.key < $1.key }
                if objs.count >= buffer { return false }
                for o in objs { cont.yield(.event(CacheEvent(type: .added, object: o, previous: nil))) }
                if bookmark { cont.yield(.bookmark(rev, initialEventsEnd: true)) }
            case .after(let from):
                if from < s.completeAfter { return false }
                let n = s.history.count
                var pending: [CacheEvent] = []
                for i in 0..<n {
                    let e = s.history[(s.head + i) % max(n, 1)]
                    if e.revision > from, let t = filter.translate(e) { pending.append(t) }
                }
                if pending.count >= buffer { return false }
                for e in pending { cont.yield(.event(e)) }
            }
            let id = s.nextWatcherID
            s.nextWatcherID += 1
            s.watchers[id] = Watcher(filter: filter, bookmarks: bookmarks, continuation: cont)
            cont.onTermination = { [weak self] _ in self?.removeWatcher(id) }
            return true
        }
        if !ok { cont.finish(); return nil }
        return stream
    }

    private func removeWatcher(_ id: UInt64) {
        _ = state.withLock { $0.watchers.removeValue(forKey: id) }
    }

    /// Sends a BOOKMARK at the current revision to every watcher that asked for bookmarks; sent
    /// through the same buffer as events, so a bookmark never overtakes an event.
    func sendBookmarks() {
        state.withLock { s in
            let rev = max(s.lastEventRevision, dispatcherRevision())
            for (_, w) in s.watchers where w.bookmarks { _ = w.continuation.yield(.bookmark(rev, initialEventsEnd: false)) }
        }
    }

    public var watcherCount: Int { state.withLock { $0.watchers.count } }

    /// The revision a bookmark sent now may carry.
    public var currentRevision: Int64 { state.withLock { max($0.lastEventRevision, dispatcherRevision()) } }
}
