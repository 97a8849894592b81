import Foundation
import GRDB
import TugStore

/// Read queries on the `kv` table. Each runs inside one read transaction (a WAL snapshot), so the
/// revision checks and the rows agree even while the writer commits.
enum KVReads {
    /// Validates `atRevision` against the snapshot; nil means the newest revision.
    static func resolve(_ db: Database, _ atRevision: Int64?) throws -> Int64 {
        let current = try KVSchema.currentRevision(db)
        guard let rev = atRevision else { return current }
        if rev > current { throw StoreError.futureRevision(requested: rev, current: current) }
        let compact = try KVSchema.compactRevision(db)
        if rev < compact { throw StoreError.compacted(requested: rev, compactedAt: compact) }
        return rev
    }

    /// The key's newest row at or before `rev` (tombstones included).
    static func latestRow(_ db: Database, _ name: String, atOrBefore rev: Int64? = nil) throws -> KVRow? {
        let row: Row?
        if let rev {
            row = try Row.fetchOne(db.cachedStatement(sql: """
                SELECT \(KVRow.columns) FROM kv WHERE name = ? AND id <= ? ORDER BY id DESC LIMIT 1
                """), arguments: [name, rev])
        } else {
            row = try Row.fetchOne(db.cachedStatement(sql: """
                SELECT \(KVRow.columns) FROM kv WHERE name = ? ORDER BY id DESC LIMIT 1
                """), arguments: [name])
        }
        return row.map(KVRow.init(row:))
    }

    static func get(_ db: Database, _ name: String, atOrBefore rev: Int64?) throws -> StoredValue? {
        guard let row = try latestRow(db, name, atOrBefore: rev), !row.deleted else { return nil }
        return row.storedValue
    }

    /// WHERE conditions selecting the live rows with `prefix` after `after` as of `rev`: the
    /// newest row per name with id <= rev, unless it is a tombstone.
    private static func liveRows(prefix: String, after: String?, rev: Int64) -> (sql: String, args: StatementArguments) {
        var sql = "k.name >= ?"
        var args: StatementArguments = [prefix]
        if let end = KeyPrefix.rangeEnd(prefix) {
            sql += " AND k.name < ?"
            args += [end]
        }
        if let after {
            sql += " AND k.name > ?"
            args += [after]
        }
        sql += " AND k.id <= ? AND k.deleted = 0 AND k.id = (SELECT MAX(m.id) FROM kv AS m WHERE m.name = k.name AND m.id <= ?)"
        args += [rev, rev]
        return (sql, args)
    }

    static func list(_ db: Database, prefix: String, atRevision: Int64?, limit: Int?, continueAfter: String?) throws -> StoredList {
        let rev = try resolve(db, atRevision)
        let cap = (limit ?? 0) > 0 ? limit! : nil
        let w = liveRows(prefix: prefix, after: continueAfter, rev: rev)
        var args = w.args
        args += [cap.map { Int64($0) + 1 } ?? -1]
        let stmt = try db.cachedStatement(sql: """
            SELECT \(KVRow.columns) FROM kv AS k INDEXED BY kv_name_id_index
            WHERE \(w.sql) ORDER BY k.name LIMIT ?
            """)
        var items = try Row.fetchAll(stmt, arguments: args).map { KVRow(row: $0).storedValue }
        guard let cap, items.count > cap else {
            return StoredList(items: items, revision: rev, more: false, remaining: nil)
        }
        items.removeLast(items.count - cap)
        let rest = liveRows(prefix: prefix, after: items.last?.key, rev: rev)
        let remaining = try Int.fetchOne(db.cachedStatement(sql: """
            SELECT COUNT(*) FROM kv AS k INDEXED BY kv_name_id_index WHERE \(rest.sql)
            """), arguments: rest.args) ?? 0
        return StoredList(items: items, revision: rev, more: true, remaining: remaining)
    }

    static func count(_ db: Database, prefix: String) throws -> Int {
        let w = liveRows(prefix: prefix, after: nil, rev: try KVSchema.currentRevision(db))
        return try Int.fetchOne(db.cachedStatement(sql: """
            SELECT COUNT(*) FROM kv AS k INDEXED BY kv_name_id_index WHERE \(w.sql)
            """), arguments: w.args) ?? 0
    }

    /// Watch replay: rows with `prefix` and id in (after, upTo], oldest first.
    static func events(_ db: Database, prefix: String, after: Int64, upTo: Int64, limit: Int) throws -> [StoreEvent] {
        let compact = try KVSchema.compactRevision(db)
        if after < compact { throw StoreError.compacted(requested: after, compactedAt: compact) }
        var sql = "SELECT \(KVRow.columns) FROM kv WHERE id > ? AND id <= ?"
        var args: StatementArguments = [after, upTo]
        if !prefix.isEmpty {
            sql += " AND name >= ?"
            args += [prefix]
            if let end = KeyPrefix.rangeEnd(prefix) {
                sql += " AND name < ?"
                args += [end]
            }
        }
        sql += " ORDER BY id LIMIT ?"
        args += [Int64(limit)]
        return try Row.fetchAll(db.cachedStatement(sql: sql), arguments: args).map { KVRow(row: $0).event }
    }
}
