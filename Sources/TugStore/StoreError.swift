/// Errors every `Store` backend reports the same way; the API server maps them to Status codes
/// (alreadyExists/conflict 409, notFound 404, compacted 410 Expired, watcherTooSlow 410 Gone).
public enum StoreError: Error, Sendable, Equatable, CustomStringConvertible {
    case alreadyExists(key: String)
    case notFound(key: String)
    /// The key's current revision differs from the expected one (nil when unknown).
    case conflict(key: String, currentRevision: Int64?)
    /// The requested revision was removed by compaction; the caller must relist.
    case compacted(requested: Int64, compactedAt: Int64)
    case futureRevision(requested: Int64, current: Int64)
    /// A watcher fell so far behind that its buffer overflowed; it must relist and re-watch.
    case watcherTooSlow
    case closed

    public var description: String {
        switch self {
        case .alreadyExists(let key):
            "key \(key) already exists"
        case .notFound(let key):
            "key \(key) not found"
        case .conflict(let key, let rev):
            "key \(key) was modified (current revision \(rev.map(String.init) ?? "unknown")); read it again and retry"
        case .compacted(let requested, let at):
            "revision \(requested) is older than the compacted revision \(at); list again to get a current revision"
        case .futureRevision(let requested, let current):
            "revision \(requested) is newer than the current revision \(current)"
        case .watcherTooSlow:
            "the watcher fell too far behind and was stopped; list again and restart the watch"
        case .closed:
            "the store is closed"
        }
    }
}
