/// The whole storage contract. Revisions are global (one per write across all keys, starting at
/// 1) and are the Kubernetes `resourceVersion`. SQLite, etcd and in-memory backends implement it
/// identically so the API server cannot tell them apart.
public protocol Store: Sendable {
    func get(_ key: String) async throws -> StoredValue?
    /// The key as of `atRevision`; throws `.compacted` / `.futureRevision` outside the kept history.
    func get(_ key: String, atRevision: Int64) async throws -> StoredValue?
    /// Keys with the prefix, in key order, as of `atRevision` (nil = newest). `continueAfter` is the
    /// last key of the previous page (exclusive). `limit` nil/0 = all.
    func list(prefix: String, atRevision: Int64?, limit: Int?, continueAfter: String?) async throws -> StoredList
    /// Live keys with the prefix at the newest revision.
    func count(prefix: String) async throws -> Int
    /// Returns the new revision; throws `.alreadyExists`.
    func create(_ key: String, _ value: [UInt8]) async throws -> Int64
    /// Compare-and-swap: succeeds only if the key's `modRevision == expectedRevision`.
    /// Throws `.conflict` or `.notFound`.
    func update(_ key: String, _ value: [UInt8], expectedRevision: Int64) async throws -> Int64
    /// Deletes (conditionally when `expectedRevision` is set). `deleted` is the last value with
    /// `modRevision` = the delete's revision. Throws `.notFound` / `.conflict`.
    func delete(_ key: String, expectedRevision: Int64?) async throws -> (revision: Int64, deleted: StoredValue)
    /// Events for keys with the prefix with revision > fromRevision: replayed history first, then
    /// live, in revision order, no gaps, no duplicates. Throws `.compacted` if
    /// fromRevision < compactRevision. fromRevision 0 means "from now". A consumer that falls too
    /// far behind gets `.watcherTooSlow`; `close()` ends every watch with `.closed`.
    func watch(prefix: String, fromRevision: Int64) -> AsyncThrowingStream<StoreEvent, any Error>
    var currentRevision: Int64 { get async throws }
    var compactRevision: Int64 { get async throws }
    /// Removes history older than the newest `keepRevisions` revisions (never the newest row of a
    /// live key). Returns the new compact revision.
    func compact(keepRevisions: Int64) async throws -> Int64
    func close() async
}
