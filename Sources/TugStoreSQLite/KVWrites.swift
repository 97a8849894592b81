import Foundation
import GRDB
import TugStore

/// One queued write.
enum WriteOp: Sendable {
    case create(key: String, value: [UInt8])
    case update(key: String, value: [UInt8], expectedRevision: Int64)
    case delete(key: String, expectedRevision: Int64?)

    var key: String {
        switch self {
        case .create(let k, _), .update(let k, _, _), .delete(let k, _): k
        }
    }
}

/// Applies writes inside the writer's transaction. Every write is one INSERT (kine's log);
/// the compare-and-swap is checked against the key's newest row, and UNIQUE(name,
/// prev_revision) backs it up at the storage level.
enum KVWrites {
    static let insertSQL = """
        INSERT INTO kv (name, created, deleted, create_revision, prev_revision, lease, value, old_value)
        VALUES (?, ?, ?, ?, ?, 0, ?, ?)
        """

    /// A CAS failure is returned (it fails only its own request); database errors throw and
    /// abort the whole batch.
    static func apply(_ op: WriteOp, _ db: Database) throws -> Result<KVRow, StoreError> {
        let latest = try KVReads.latestRow(db, op.key)
        let live = latest.flatMap { $0.deleted ? nil : $0 }
        var row: KVRow
        switch op {
        case .create(let key, let value):
            if live != nil { return .failure(.alreadyExists(key: key)) }
            // Re-creating after a delete chains to the tombstone, keeping (name, prev) unique.
            row = KVRow(id: 0, name: key, created: true, deleted: false, storedCreateRevision: 0,
                        prevRevision: latest?.id ?? 0, value: value, oldValue: nil)
        case .update(let key, let value, let expected):
            guard let cur = live else { return .failure(.notFound(key: key)) }
            guard cur.id == expected else { return .failure(.conflict(key: key, currentRevision: cur.id)) }
            row = KVRow(id: 0, name: key, created: false, deleted: false, storedCreateRevision: cur.createRevision,
                        prevRevision: cur.id, value: value, oldValue: cur.value)
        case .delete(let key, let expected):
            guard let cur = live else { return .failure(.notFound(key: key)) }
            if let expected, cur.id != expected { return .failure(.conflict(key: key, currentRevision: cur.id)) }
            row = KVRow(id: 0, name: key, created: false, deleted: true, storedCreateRevision: cur.createRevision,
                        prevRevision: cur.id, value: cur.value, oldValue: cur.value)
        }
        do {
            try db.cachedStatement(sql: insertSQL).execute(arguments: [
                row.name, row.created ? 1 : 0, row.deleted ? 1 : 0, row.storedCreateRevision,
                row.prevRevision, Data(row.value), row.oldValue.map { Data($0) },
            ])
        } catch let error as DatabaseError where error.resultCode == .SQLITE_CONSTRAINT {
            // Only another process writing the same file gets here; SQLite undid just this
            // statement, so the batch goes on.
            if case .create = op { return .failure(.alreadyExists(key: op.key)) }
            return .failure(.conflict(key: op.key, currentRevision: nil))
        }
        row.id = db.lastInsertedRowID
        return .success(row)
    }
}
