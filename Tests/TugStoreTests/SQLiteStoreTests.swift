import Foundation
import Testing
import TugStore
@testable import TugStoreSQLite

@Suite("SQLite store")
struct SQLiteStoreTests {
    private func path() -> String { TempDir.make().appendingPathComponent("data/nested/tug.sqlite").path }

    @Test func reopenKeepsDataAndRevisionCounter() async throws {
        let file = path()
        var store: SQLiteStore? = try SQLiteStore(path: file)
        let r = try await store!.create("/registry/pods/default/a", bytes("A"))
        let r2 = try await store!.create("/registry/pods/default/b", bytes("B"))
        _ = try await store!.delete("/registry/pods/default/b", expectedRevision: r2)
        #expect(try await store!.compact(keepRevisions: 0) == 3)
        await store!.close()
        store = nil

        let reopened = try SQLiteStore(path: file)
        #expect(try await reopened.currentRevision == 3)
        #expect(try await reopened.compactRevision == 3)
        #expect(try await reopened.get("/registry/pods/default/a") == StoredValue(
            key: "/registry/pods/default/a", value: bytes("A"), createRevision: r, modRevision: r))
        #expect(try await reopened.get("/registry/pods/default/b") == nil)
        // The newest row (a tombstone) was compacted away; revisions still never repeat.
        #expect(try await reopened.create("/registry/pods/default/b", bytes("B2")) == 4)
        #expect(try await reopened.list(prefix: "/registry/pods/", atRevision: nil, limit: nil, continueAfter: nil)
            .items.map(\.key) == ["/registry/pods/default/a", "/registry/pods/default/b"])
        await reopened.close()
    }

    @Test func acknowledgedWritesSurviveACrash() async throws {
        let file = path()
        let crashed = try SQLiteStore(path: file)
        let acknowledged = try await withThrowingTaskGroup(of: (String, Int64).self) { group in
            for i in 0..<100 {
                group.addTask {
                    let key = "/registry/configmaps/ns/cm-\(i)"
                    return (key, try await crashed.create(key, bytes("value-\(i)")))
                }
            }
            var out: [String: Int64] = [:]
            for try await (k, r) in group { out[k] = r }
            return out
        }
        let updated = try await crashed.update("/registry/configmaps/ns/cm-0", bytes("new"),
                                               expectedRevision: acknowledged["/registry/configmaps/ns/cm-0"]!)
        // No close(): a second, independent open of the file sees every acknowledged write.
        let recovered = try SQLiteStore(path: file)
        #expect(try await recovered.currentRevision == 101)
        let list = try await recovered.list(prefix: "/registry/configmaps/ns/", atRevision: nil, limit: nil, continueAfter: nil)
        #expect(list.items.count == 100)
        for item in list.items where item.key != "/registry/configmaps/ns/cm-0" {
            #expect(item.modRevision == acknowledged[item.key])
            #expect(item.value == bytes("value-" + item.key.split(separator: "-").last!))
        }
        #expect(try await recovered.get("/registry/configmaps/ns/cm-0")?.modRevision == updated)
    }

    @Test func usesWALWithFullSync() async throws {
        let store = try SQLiteStore(path: path())
        let (journal, sync) = try await store.pool.writeWithoutTransaction { db in
            (try String.fetchOne(db, sql: "PRAGMA journal_mode"), try Int.fetchOne(db, sql: "PRAGMA synchronous"))
        }
        #expect(journal == "wal")
        #expect(sync == 2) // FULL
        await store.close()
    }

    @Test func listUsesTheNameIndex() async throws {
        let store = try SQLiteStore(path: path())
        for i in 0..<50 { _ = try await store.create("/registry/pods/ns/p\(i)", []) }
        let plan = try await store.pool.read { db in
            try String.fetchAll(db, sql: """
                EXPLAIN QUERY PLAN SELECT id FROM kv AS k INDEXED BY kv_name_id_index
                WHERE k.name >= ? AND k.name < ? AND k.id <= ? AND k.deleted = 0
                  AND k.id = (SELECT MAX(m.id) FROM kv AS m WHERE m.name = k.name AND m.id <= ?)
                ORDER BY k.name LIMIT 10
                """, arguments: ["/registry/pods/", "/registry/pods0", 50, 50])
        }
        // No full scan and no temporary sort: pages come straight off the (name, id) index.
        #expect(!plan.joined().contains("SCAN k"), "\(plan)")
        #expect(!plan.joined().contains("TEMP B-TREE"), "\(plan)")
        await store.close()
    }
}
