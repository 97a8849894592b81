import Foundation
import Synchronization
import TugAPI
import TugStore

/// Per-resource cache of current objects and recent events, fed in revision order by
/// `CacheDispatcher`. Lists and most watches are served from here and never reach the store.
public final class WatchCache: Sendable {
    public let info: ResourceInfo
    /// What selectors read; `written` is the typed object the write path stored as these bytes, if known.
    let attributes: @Sendable (_ bytes: [UInt8], _ revision: Int64, _ written: (any Sendable)?) -> ObjectAttributes
    /// Objects being written through this cache's resource, by key, with their stored bytes: the
    /// event that brings exactly those bytes takes the typed object instead of decoding again.
    private let pendingWrites = Mutex<[String: (bytes: [UInt8], object: any Sendable)]>([:])
    /// Stored bytes → served bytes, for a version served by conversion.
    let transform: (@Sendable ([UInt8]) -> [UInt8])?
    let historyCapacity: Int
    private let state: Mutex<State>
    private let dispatcherRevision: @Sendable () -> Int64

    final class Watcher: Sendable {
        let filter: ObjectFilter
        let bookmarks: Bool
        let buffer: WatchBuffer
        init(filter: ObjectFilter, bookmarks: Bool, buffer: WatchBuffer) {
            self.filter = filter
            self.bookmarks = bookmarks
            self.buffer = buffer
        }
    }

    struct State {
        var objects: [String: CachedObject] = [:]
        /// The keys of `objects` in byte order, so a page of a list costs its size, not the cache's.
        var keys: [String] = []
        var history: [CacheEvent] = []   // ring, oldest first after `head`
        var head = 0
        /// History is complete for revisions greater than this.
        var completeAfter: Int64 = 0
        var lastEventRevision: Int64 = 0
        var watchers: [UInt64: Watcher] = [:]
        var nextWatcherID: UInt64 = 0
    }

    init(info: ResourceInfo, historyCapacity: Int = 2048, dispatcherRevision: @escaping @Sendable () -> Int64,
         transform: (@Sendable ([UInt8]) -> [UInt8])? = nil,
         attributes: @escaping @Sendable ([UInt8], Int64, (any Sendable)?) -> ObjectAttributes) {
        self.info = info
        self.transform = transform
        self.historyCapacity = historyCapacity
        self.attributes = attributes
        self.dispatcherRevision = dispatcherRevision
        self.state = Mutex(State())
    }

    func makeObject(_ v: StoredValue) -> CachedObject { makeObjectAndTyped(v).object }

    /// Announces a write of `object` as `bytes` under `key` (before the store call; `forgetWrite`
    /// if the call fails). Bounded: a burst of abandoned entries is simply dropped.
    func expectWrite(_ key: String, bytes: [UInt8], object: any Sendable) {
        pendingWrites.withLock {
            if $0.count >= 4096 { $0.removeAll(keepingCapacity: true) }
            $0[key] = (bytes, object)
        }
    }

    func forgetWrite(_ key: String) { _ = pendingWrites.withLock { $0.removeValue(forKey: key) } }

    private func takeWrite(_ key: String, bytes: [UInt8]) -> (any Sendable)? {
        pendingWrites.withLock { pending in
            guard let p = pending[key], p.bytes == bytes else { return nil }
            pending[key] = nil
            return p.object
        }
    }

    /// The cached form, and the typed object when selecting on fields needed it decoded.
    func makeObjectAndTyped(_ v: StoredValue) -> (object: CachedObject, typed: (any Sendable)?) {
        let value = transform.map { $0(v.value) } ?? v.value
        let bytes = ObjectBytes.withResourceVersion(value, v.modRevision)
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
        let a = attributes(value, v.modRevision, transform == nil ? takeWrite(v.key, bytes: v.value) : nil)
        var fields = a.fields
        fields["metadata.name"] = name
        if info.namespaced { fields["metadata.namespace"] = ns ?? "" }
        return (CachedObject(key: v.key, namespace: ns, name: name, revision: v.modRevision, bytes: bytes,
                             labels: a.labels, fields: fields), a.typed)
    }

    /// Fills the cache from a list taken at `revision`.
    func reset(_ items: [StoredValue], revision: Int64) {
        let objs = items.map(makeObject)
        let old: [Watcher] = state.withLock { s in
            s.objects = Dictionary(objs.map { ($0.key, $0) }, uniquingKeysWith: { $1 })
            s.keys = s.objects.keys.sorted()
            s.history = []
            s.head = 0
            s.completeAfter = revision
            s.lastEventRevision = revision
            defer { s.watchers = [:] }
            return Array(s.watchers.values)
        }
        // Finish outside the lock: finishing runs onTermination, which takes the lock.
        for w in old { w.buffer.finish(throwing: APIError.gone("the watch cache was reset; relist")) }
    }

    /// Applies one store event (called by the dispatcher, in revision order).
    func apply(_ e: StoreEvent) {
        let made: (object: CachedObject, typed: (any Sendable)?)
        let deleted: Bool
        switch e {
        case .put(let v, _): (made, deleted) = (makeObjectAndTyped(v), false)
        case .delete(let v, _): (made, deleted) = (makeObjectAndTyped(v), true)
        }
        let object = made.object
        let typed = TypedMemo(made.typed)
        state.withLock { s in
            let previous = s.objects[object.key]
            let full = CacheEvent(type: deleted ? .deleted : (previous == nil ? .added : .modified), object: object, previous: previous,
                                  typed: typed)
            if full.type == .deleted {
                if s.objects.removeValue(forKey: full.object.key) != nil { s.removeKey(full.object.key) }
            } else {
                if s.objects.updateValue(full.object, forKey: full.object.key) == nil { s.insertKey(full.object.key) }
            }
            if s.history.count < historyCapacity {
                s.history.append(full)
            } else {
                s.completeAfter = s.history[s.head].revision
                s.history[s.head] = full
                s.head = (s.head + 1) % historyCapacity
            }
            s.lastEventRevision = full.revision
            var dead: [UInt64] = []
            for (id, w) in s.watchers {
                guard let t = w.filter.translate(full) else { continue }
                // A full buffer ends itself with 410 Gone; the watcher is dropped here.
                if !w.buffer.push(.event(t)) { dead.append(id) }
            }
            for id in dead { s.watchers[id] = nil }
        }
    }

    /// A consistent read of the cache: objects in key order and the revision they are current at.
    public struct Snapshot: Sendable {
        public var objects: [CachedObject]
        public var revision: Int64
        /// More matching objects follow the last one returned (only with a limit).
        public var more = false
        /// How many objects follow, when that is cheap to know exactly (no label or field selector).
        public var remaining: Int?
    }

    /// Objects matching `filter` in key order, at most `limit` (0: all), starting after key `after`.
    public func snapshot(_ filter: ObjectFilter, limit: Int = 0, after: String? = nil) -> Snapshot {
        state.withLock { s in
            let rev = max(s.lastEventRevision, dispatcherRevision())
            var prefix = info.storePrefix
            if info.namespaced, let ns = filter.namespace { prefix += ns + "/" }
            var i = s.lowerBound(prefix)
            if let after, after >= prefix { i = s.upperBound(after) }
            var out: [CachedObject] = []
            var more = false
            while i < s.keys.count, s.keys[i].hasPrefix(prefix) {
                if let o = s.objects[s.keys[i]], filter.matches(o) {
                    if limit > 0, out.count == limit {
                        more = true
                        break
                    }
                    out.append(o)
                }
                i += 1
            }
            var snap = Snapshot(objects: out, revision: rev, more: more)
            if more, filter.predicate == nil {
                // Keys are "<prefix><name>": the range ends where the prefix's last byte ('/') would be followed by '0'.
                let end = s.lowerBound(String(prefix.dropLast()) + "0")
                snap.remaining = end - i
            }
            return snap
        }
    }

    public func get(_ key: String) -> CachedObject? { state.withLock { $0.objects[key] } }

    public enum WatchStart: Sendable {
        /// Synthetic ADDED events for every current object, then live (no resourceVersion, or watch-list).
        case initialEvents(bookmarkAtEnd: Bool)
        /// Events after this revision.
        case after(Int64)
    }

    /// Starts a watch; nil when `after` is older than the cache's history (the caller replays
    /// from the store) or the initial events do not fit the buffer.
    public func watch(_ filter: ObjectFilter, start: WatchStart, bookmarks: Bool = false, bufferLimit: Int = 4096) -> WatchBuffer? {
        let buffer = WatchBuffer(limit: bufferLimit)
        let ok: Bool = state.withLock { s in
            let rev = max(s.lastEventRevision, dispatcherRevision())
            switch start {
            case .initialEvents(let bookmark):
                var objs: [CachedObject] = []
                for key in s.keys { if let o = s.objects[key], filter.matches(o) { objs.append(o) } }
                if objs.count >= bufferLimit { return false }
                for o in objs { buffer.push(.event(CacheEvent(type: .added, object: o, previous: nil))) }
                if bookmark { buffer.push(.bookmark(rev, initialEventsEnd: true)) }
            case .after(let from):
                if from < s.completeAfter { return false }
                let n = s.history.count
                var pending: [CacheEvent] = []
                for i in 0..<n {
                    let e = s.history[(s.head + i) % max(n, 1)]
                    if e.revision > from, let t = filter.translate(e) { pending.append(t) }
                }
                if pending.count >= bufferLimit { return false }
                for e in pending { buffer.push(.event(e)) }
            }
            let id = s.nextWatcherID
            s.nextWatcherID += 1
            s.watchers[id] = Watcher(filter: filter, bookmarks: bookmarks, buffer: buffer)
            buffer.onEnd { [weak self] in self?.removeWatcher(id) }
            return true
        }
        if !ok { buffer.finish(); return nil }
        return buffer
    }

    private func removeWatcher(_ id: UInt64) {
        _ = state.withLock { $0.watchers.removeValue(forKey: id) }
    }

    /// Sends a BOOKMARK at the current revision to every watcher that asked for bookmarks; sent
    /// through the same buffer as events, so a bookmark never overtakes an event.
    func sendBookmarks() {
        state.withLock { s in
            let rev = max(s.lastEventRevision, dispatcherRevision())
            for (_, w) in s.watchers where w.bookmarks { w.buffer.push(.bookmark(rev, initialEventsEnd: false)) }
        }
    }

    public var watcherCount: Int { state.withLock { $0.watchers.count } }

    /// The revision a bookmark sent now may carry.
    public var currentRevision: Int64 { state.withLock { max($0.lastEventRevision, dispatcherRevision()) } }
}

extension WatchCache.State {
    /// Index of the first key not less than `key`.
    func lowerBound(_ key: String) -> Int {
        var lo = 0, hi = keys.count
        while lo < hi {
            let mid = (lo + hi) / 2
            if keys[mid] < key { lo = mid + 1 } else { hi = mid }
        }
        return lo
    }

    /// Index of the first key greater than `key`.
    func upperBound(_ key: String) -> Int {
        var lo = 0, hi = keys.count
        while lo < hi {
            let mid = (lo + hi) / 2
            if keys[mid] <= key { lo = mid + 1 } else { hi = mid }
        }
        return lo
    }

    mutating func insertKey(_ key: String) { keys.insert(key, at: lowerBound(key)) }

    mutating func removeKey(_ key: String) {
        let i = lowerBound(key)
        if i < keys.count, keys[i] == key { keys.remove(at: i) }
    }
}
