import Foundation
import GRDB
import Synchronization
import TugStore

/// The embedded default `Store`: kine's append-only `kv` table in one SQLite file.
///
/// Why a `DatabasePool` rather than a `DatabaseQueue`: in WAL mode a pool gives readers their own
/// connections and snapshots, so lists, gets and watch replays never wait for the writer's
/// fsync; a queue would serialize them behind every commit. There is still exactly one writer
/// (`GroupCommitWriter`), which batches concurrent writes into one transaction.
///
/// Durability: WAL with `synchronous=FULL`, so the WAL is fsynced at every commit and a write
/// acknowledged to a caller survives kill -9 and power loss.
public final class SQLiteStore: Store {
    public let path: String
    let pool: DatabasePool
    let hub: WatchHub
    let writer: GroupCommitWriter
    private let closed = Atomic<Bool>(false)

    /// Revisions per compaction transaction, so that writes interleave with a long compaction.
    static let compactionChunk: Int64 = 10_000

    /// Opens (creating the file, its directories and the schema if needed) the store at `path`.
    /// Reopening continues the revision counter where it stopped.
    /// - Parameter watchBufferLimit: live events buffered per watcher before it is cut off.
    public init(path: String, watchBufferLimit: Int = 10_000) throws {
        self.path = path
        let dir = URL(fileURLWithPath: path).deletingLastPathComponent()
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)

        var config = Configuration()
        config.label = "TugStoreSQLite"
        // Only a crash-recovering open or another process should ever make us wait.
        config.busyMode = .timeout(10)
        pool = try DatabasePool(path: path, configuration: config)
        // After the pool's own WAL setup, which picks synchronous=NORMAL (not durable on power loss).
        try pool.writeWithoutTransaction { db in
            try db.execute(sql: "PRAGMA synchronous = FULL")
            try db.execute(sql: "PRAGMA journal_size_limit = 67108864")
            try db.inTransaction {
                try db.execute(sql: KVSchema.create)
                return .commit
            }
        }
        let revision = try pool.read { try KVSchema.currentRevision($0) }
        hub = WatchHub(revision: revision, bufferLimit: watchBufferLimit)
        writer = GroupCommitWriter(pool: pool, hub: hub)
    }

    private func checkOpen() throws {
        if closed.load(ordering: .acquiring) { throw StoreError.closed }
    }

    private func read<T: Sendable>(_ body: @escaping @Sendable (Database) throws -> T) async throws -> T {
        try checkOpen()
        return try await pool.read(body)
    }

    // MARK: Reads

    public func get(_ key: String) async throws -> StoredValue? {
        try await read { try KVReads.get($0, key, atOrBefore: nil) }
    }

    public func get(_ key: String, atRevision: Int64) async throws -> StoredValue? {
        try await read { db in
            let rev = try KVReads.resolve(db, atRevision)
            return try KVReads.get(db, key, atOrBefore: rev)
        }
    }

    public func list(prefix: String, atRevision: Int64?, limit: Int?, continueAfter: String?) async throws -> StoredList {
        try await read { db in
            try KVReads.list(db, prefix: prefix, atRevision: atRevision, limit: limit, continueAfter: continueAfter)
        }
    }

    public func count(prefix: String) async throws -> Int {
        try await read { try KVReads.count($0, prefix: prefix) }
    }

    /// The last committed revision (every acknowledged write is at or below it).
    public var currentRevision: Int64 {
        get async throws {
            try checkOpen()
            return hub.revision
        }
    }

    public var compactRevision: Int64 {
        get async throws { try await read { try KVSchema.compactRevision($0) } }
    }

    // MARK: Writes

    public func create(_ key: String, _ value: [UInt8]) async throws -> Int64 {
        try await writer.submit(.create(key: key, value: value)).id
    }

    public func update(_ key: String, _ value: [UInt8], expectedRevision: Int64) async throws -> Int64 {
        try await writer.submit(.update(key: key, value: value, expectedRevision: expectedRevision)).id
    }

    public func delete(_ key: String, expectedRevision: Int64?) async throws -> (revision: Int64, deleted: StoredValue) {
        let row = try await writer.submit(.delete(key: key, expectedRevision: expectedRevision))
        return (row.id, row.storedValue)
    }

    // MARK: Watch

    public func watch(prefix: String, fromRevision: Int64) -> AsyncThrowingStream<StoreEvent, any Error> {
        // The replay source holds the store while the watch lives; the hub drops it when the watch ends.
        hub.watch(prefix: prefix, fromRevision: fromRevision) { prefix, after, upTo, limit in
            try await self.read { db in
                try KVReads.events(db, prefix: prefix, after: after, upTo: upTo, limit: limit)
            }
        }
    }

    // MARK: Compaction

    /// Deletes superseded rows and tombstones at or below the new compact revision, in chunks so
    /// that the writer is never held for long. Safe to run alongside writes and watches: a row
    /// newer than the compact revision is never deleted, and replays check the compact revision
    /// in the same snapshot they read from.
    public func compact(keepRevisions: Int64) async throws -> Int64 {
        let keep = max(0, keepRevisions)
        let target = try await read { db in
            max(try KVSchema.compactRevision(db), try KVSchema.currentRevision(db) - keep)
        }
        while true {
            try checkOpen()
            let reached = try await pool.write { db -> Int64 in
                let old = try KVSchema.compactRevision(db)
                if old >= target { return old }
                let upTo = min(old + Self.compactionChunk, target)
                try db.cachedStatement(sql: """
                    DELETE FROM kv WHERE id IN
                        (SELECT prev_revision FROM kv WHERE id > ? AND id <= ? AND prev_revision != 0)
                    """).execute(arguments: [old, upTo])
                try db.cachedStatement(sql: "DELETE FROM kv WHERE deleted != 0 AND id > ? AND id <= ?")
                    .execute(arguments: [old, upTo])
                try KVSchema.setCompactRevision(db, upTo)
                return upTo
            }
            if reached >= target { return reached }
        }
    }

    // MARK: Lifecycle

    /// Finishes the queued writes, ends every watch with `.closed`, checkpoints and closes the file.
    public func close() async {
        if closed.exchange(true, ordering: .acquiringAndReleasing) { return }
        await writer.close()
        hub.close()
        _ = try? await pool.writeWithoutTransaction { db in
            try db.checkpoint(.truncate)
        }
        try? pool.close()
    }
}
