import GRDB

/// Kine's table, kept whole, plus a one-row-per-setting meta table for the compact revision.
enum KVSchema {
    static let create = """
        CREATE TABLE IF NOT EXISTS kv (
            id INTEGER PRIMARY KEY AUTOINCREMENT,
            name TEXT NOT NULL,
            created INTEGER,
            deleted INTEGER,
            create_revision INTEGER,
            prev_revision INTEGER,
            lease INTEGER,
            value BLOB,
            old_value BLOB
        );
        CREATE INDEX IF NOT EXISTS kv_name_index ON kv (name);
        CREATE INDEX IF NOT EXISTS kv_name_id_index ON kv (name, id);
        CREATE UNIQUE INDEX IF NOT EXISTS kv_name_prev_revision_uindex ON kv (name, prev_revision);
        CREATE TABLE IF NOT EXISTS tug_meta (
            key TEXT PRIMARY KEY NOT NULL,
            value INTEGER NOT NULL
        );
        INSERT OR IGNORE INTO tug_meta (key, value) VALUES ('compact_revision', 0);
        """

    /// The newest revision ever assigned. AUTOINCREMENT's counter, not MAX(id): compaction may
    /// delete the newest row (a tombstone), and revisions must never go back.
    static func currentRevision(_ db: Database) throws -> Int64 {
        try Int64.fetchOne(db.cachedStatement(sql: "SELECT seq FROM sqlite_sequence WHERE name = 'kv'")) ?? 0
    }

    static func compactRevision(_ db: Database) throws -> Int64 {
        try Int64.fetchOne(db.cachedStatement(sql: "SELECT value FROM tug_meta WHERE key = 'compact_revision'")) ?? 0
    }

    static func setCompactRevision(_ db: Database, _ rev: Int64) throws {
        try db.cachedStatement(sql: "UPDATE tug_meta SET value = MAX(value, ?) WHERE key = 'compact_revision'")
            .execute(arguments: [rev])
    }
}
