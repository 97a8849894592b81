/// The in-memory store's data: every key's versions plus the event log, with the same
/// revision, compare-and-swap and compaction rules as the SQLite table. A plain value type;
/// `MemoryStore` guards it with a lock.
struct MemoryHistory: Sendable {
    struct Version: Sendable {
        var revision: Int64
        var createRevision: Int64
        var value: [UInt8]
        var deleted: Bool
    }

    private(set) var revision: Int64 = 0
    private(set) var compactRevision: Int64 = 0
    /// Versions per key, oldest first.
    private var versions: [String: [Version]] = [:]
    /// Every key in `versions`, in byte order.
    private var sortedKeys: [String] = []
    /// Events with revision > `compactRevision`; `log[i].revision == compactRevision + 1 + i`.
    private var log: [StoreEvent] = []

    // MARK: Writes

    mutating func create(_ key: String, _ value: [UInt8]) throws(StoreError) -> StoreEvent {
        if let cur = latest(key), !cur.deleted { throw .alreadyExists(key: key) }
        let rev = revision + 1
        let v = StoredValue(key: key, value: value, createRevision: rev, modRevision: rev)
        append(key, Version(revision: rev, createRevision: rev, value: value, deleted: false))
        return record(.put(v, previous: nil))
    }

    mutating func update(_ key: String, _ value: [UInt8], expectedRevision: Int64) throws(StoreError) -> StoreEvent {
        guard let cur = latest(key), !cur.deleted else { throw .notFound(key: key) }
        guard cur.revision == expectedRevision else { throw .conflict(key: key, currentRevision: cur.revision) }
        let rev = revision + 1
        let prev = StoredValue(key: key, value: cur.value, createRevision: cur.createRevision, modRevision: cur.revision)
        let v = StoredValue(key: key, value: value, createRevision: cur.createRevision, modRevision: rev)
        append(key, Version(revision: rev, createRevision: cur.createRevision, value: value, deleted: false))
        return record(.put(v, previous: prev))
    }

    mutating func delete(_ key: String, expectedRevision: Int64?) throws(StoreError) -> StoreEvent {
        guard let cur = latest(key), !cur.deleted else { throw .notFound(key: key) }
        if let expectedRevision, cur.revision != expectedRevision {
            throw .conflict(key: key, currentRevision: cur.revision)
        }
        let rev = revision + 1
        let prev = StoredValue(key: key, value: cur.value, createRevision: cur.createRevision, modRevision: cur.revision)
        var gone = prev
        gone.modRevision = rev
        append(key, Version(revision: rev, createRevision: cur.createRevision, value: cur.value, deleted: true))
        return record(.delete(gone, previous: prev))
    }

    private func latest(_ key: String) -> Version? { versions[key]?.last }

    private mutating func append(_ key: String, _ v: Version) {
        if versions[key] == nil {
            sortedKeys.insert(key, at: lowerBound(key))
            versions[key] = [v]
        } else {
            versions[key]!.append(v)
        }
    }

    private mutating func record(_ e: StoreEvent) -> StoreEvent {
        revision = e.revision
        log.append(e)
        return e
    }

    // MARK: Reads

    /// Checks that `rev` is inside the kept history.
    func check(_ rev: Int64) throws(StoreError) {
        if rev > revision { throw .futureRevision(requested: rev, current: revision) }
        if rev < compactRevision { throw .compacted(requested: rev, compactedAt: compactRevision) }
    }

    func get(_ key: String, at rev: Int64) -> StoredValue? {
        guard let vs = versions[key] else { return nil }
        // Newest version with revision <= rev.
        var lo = 0, hi = vs.count
        while lo < hi {
            let mid = (lo + hi) / 2
            if vs[mid].revision <= rev { lo = mid + 1 } else { hi = mid }
        }
        guard lo > 0 else { return nil }
        let v = vs[lo - 1]
        if v.deleted { return nil }
        return StoredValue(key: key, value: v.value, createRevision: v.createRevision, modRevision: v.revision)
    }

    func list(prefix: String, at rev: Int64, limit: Int?, continueAfter: String?) -> StoredList {
        var start = lowerBound(prefix)
        if let after = continueAfter, !KeyPrefix.less(after, prefix) {
            start = max(start, upperBound(after))
        }
        let cap = (limit ?? 0) > 0 ? limit! : Int.max
        var items: [StoredValue] = []
        var extra = 0
        var i = start
        while i < sortedKeys.count, KeyPrefix.matches(sortedKeys[i], prefix) {
            if let v = get(sortedKeys[i], at: rev) {
                if items.count < cap { items.append(v) } else { extra += 1 }
            }
            i += 1
        }
        return StoredList(items: items, revision: rev, more: extra > 0, remaining: extra > 0 ? extra : nil)
    }

    func count(prefix: String) -> Int {
        var n = 0
        var i = lowerBound(prefix)
        while i < sortedKeys.count, KeyPrefix.matches(sortedKeys[i], prefix) {
            if let last = versions[sortedKeys[i]]?.last, !last.deleted { n += 1 }
            i += 1
        }
        return n
    }

    /// Events for the watch replay; see `WatchHub.ReplaySource`.
    func events(prefix: String, after: Int64, upTo: Int64, limit: Int) throws(StoreError) -> [StoreEvent] {
        if after < compactRevision { throw .compacted(requested: after, compactedAt: compactRevision) }
        var out: [StoreEvent] = []
        var idx = Int(after - compactRevision)
        let end = Int(min(upTo, revision) - compactRevision)
        while idx < end, out.count < limit {
            let e = log[idx]
            if KeyPrefix.matches(e.key, prefix) { out.append(e) }
            idx += 1
        }
        return out
    }

    /// First index whose key is >= `key`.
    private func lowerBound(_ key: String) -> Int {
        var lo = 0, hi = sortedKeys.count
        while lo < hi {
            let mid = (lo + hi) / 2
            if KeyPrefix.less(sortedKeys[mid], key) { lo = mid + 1 } else { hi = mid }
        }
        return lo
    }

    /// First index whose key is > `key`.
    private func upperBound(_ key: String) -> Int {
        var lo = 0, hi = sortedKeys.count
        while lo < hi {
            let mid = (lo + hi) / 2
            if KeyPrefix.less(key, sortedKeys[mid]) { hi = mid } else { lo = mid + 1 }
        }
        return lo
    }

    // MARK: Compaction

    /// Drops versions superseded at or before the new compact revision and tombstones at or
    /// before it; the newest version of a live key always stays.
    mutating func compact(keepRevisions: Int64) -> Int64 {
        let target = max(compactRevision, revision - max(0, keepRevisions))
        guard target > compactRevision else { return compactRevision }
        var emptied: Set<String> = []
        for (key, vs) in versions {
            // Index of the version current at `target`.
            guard let cur = vs.lastIndex(where: { $0.revision <= target }) else { continue }
            var keep = Array(vs[cur...])
            if keep[0].deleted { keep.removeFirst() }
            if keep.isEmpty { emptied.insert(key) }
            if keep.count != vs.count { versions[key] = keep.isEmpty ? nil : keep }
        }
        if !emptied.isEmpty { sortedKeys.removeAll { emptied.contains($0) } }
        log.removeFirst(Int(target - compactRevision))
        compactRevision = target
        return target
    }
}
