import Testing
import TugStore

@Suite("Store CRUD")
struct StoreCRUDTests {
    @Test(arguments: Backend.allCases)
    func createGetAlreadyExists(_ backend: Backend) async throws {
        let store = try backend.make()
        #expect(try await store.currentRevision == 0)
        #expect(try await store.get("/registry/pods/default/web-1") == nil)

        let r1 = try await store.create("/registry/pods/default/web-1", bytes("a"))
        let r2 = try await store.create("/registry/nodes/n1", bytes("n"))
        #expect(r1 == 1)
        #expect(r2 == 2)
        #expect(try await store.currentRevision == 2)

        let got = try #require(try await store.get("/registry/pods/default/web-1"))
        #expect(got == StoredValue(key: "/registry/pods/default/web-1", value: bytes("a"), createRevision: 1, modRevision: 1))

        await #expect(throws: StoreError.alreadyExists(key: "/registry/pods/default/web-1")) {
            try await store.create("/registry/pods/default/web-1", bytes("b"))
        }
        // A failed write takes no revision.
        #expect(try await store.currentRevision == 2)
        #expect(try await store.create("/registry/pods/default/web-2", []) == 3)
        #expect(try await store.get("/registry/pods/default/web-2")?.value == [])
        await store.close()
    }

    @Test(arguments: Backend.allCases)
    func updateCompareAndSwap(_ backend: Backend) async throws {
        let store = try backend.make()
        let key = "/registry/pods/default/web-1"
        let r1 = try await store.create(key, bytes("v1"))
        let r2 = try await store.update(key, bytes("v2"), expectedRevision: r1)
        #expect(r2 == r1 + 1)

        await #expect(throws: StoreError.conflict(key: key, currentRevision: r2)) {
            try await store.update(key, bytes("stale"), expectedRevision: r1)
        }
        let got = try #require(try await store.get(key))
        #expect(got.value == bytes("v2"))
        #expect(got.createRevision == r1)
        #expect(got.modRevision == r2)

        await #expect(throws: StoreError.notFound(key: "/registry/pods/default/missing")) {
            try await store.update("/registry/pods/default/missing", bytes("x"), expectedRevision: 1)
        }
        await store.close()
    }

    @Test(arguments: Backend.allCases)
    func deleteWithAndWithoutExpectedRevision(_ backend: Backend) async throws {
        let store = try backend.make()
        let a = "/registry/pods/default/a", b = "/registry/pods/default/b"
        let ra = try await store.create(a, bytes("A"))
        let rb = try await store.create(b, bytes("B"))
        let rb2 = try await store.update(b, bytes("B2"), expectedRevision: rb)

        await #expect(throws: StoreError.conflict(key: b, currentRevision: rb2)) {
            try await store.delete(b, expectedRevision: rb)
        }
        let d1 = try await store.delete(b, expectedRevision: rb2)
        #expect(d1.revision == rb2 + 1)
        #expect(d1.deleted == StoredValue(key: b, value: bytes("B2"), createRevision: rb, modRevision: d1.revision))
        #expect(try await store.get(b) == nil)

        let d2 = try await store.delete(a, expectedRevision: nil)
        #expect(d2.revision == d1.revision + 1)
        #expect(d2.deleted.value == bytes("A"))
        #expect(d2.deleted.createRevision == ra)

        await #expect(throws: StoreError.notFound(key: a)) { try await store.delete(a, expectedRevision: nil) }
        await #expect(throws: StoreError.notFound(key: a)) { try await store.update(a, bytes("x"), expectedRevision: d2.revision) }

        // Re-creating a deleted key starts a new incarnation.
        let again = try await store.create(a, bytes("A again"))
        let got = try #require(try await store.get(a))
        #expect(got.createRevision == again)
        #expect(got.modRevision == again)
        await store.close()
    }

    @Test(arguments: Backend.allCases)
    func concurrentCreatesGetDistinctConsecutiveRevisions(_ backend: Backend) async throws {
        let store = try backend.make()
        let revisions = try await withThrowingTaskGroup(of: Int64.self) { group in
            for i in 0..<200 {
                group.addTask { try await store.create("/registry/configmaps/default/cm-\(i)", bytes("\(i)")) }
            }
            var out: [Int64] = []
            for try await r in group { out.append(r) }
            return out
        }
        #expect(revisions.sorted() == Array(1...200))
        #expect(try await store.currentRevision == 200)
        #expect(try await store.count(prefix: "/registry/configmaps/default/") == 200)
        await store.close()
    }

    @Test(arguments: Backend.allCases)
    func concurrentConflictingUpdatesOnlyOneWins(_ backend: Backend) async throws {
        let store = try backend.make()
        let key = "/registry/leases/kube-system/leader"
        let r = try await store.create(key, bytes("0"))
        let outcomes = await withTaskGroup(of: Bool.self) { group in
            for i in 0..<20 {
                group.addTask { (try? await store.update(key, bytes("\(i)"), expectedRevision: r)) != nil }
            }
            var wins = 0
            for await ok in group where ok { wins += 1 }
            return wins
        }
        #expect(outcomes == 1)
        #expect(try await store.currentRevision == r + 1)
        await store.close()
    }

    @Test(arguments: Backend.allCases)
    func closeRefusesFurtherWork(_ backend: Backend) async throws {
        let store = try backend.make()
        _ = try await store.create("/registry/pods/default/a", bytes("A"))
        await store.close()
        await #expect(throws: StoreError.closed) { try await store.create("/registry/pods/default/b", []) }
        await #expect(throws: StoreError.closed) { try await store.get("/registry/pods/default/a") }
        await store.close() // idempotent
    }
}
