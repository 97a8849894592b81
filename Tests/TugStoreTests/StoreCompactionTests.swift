import Testing
import TugStore

@Suite("Store compaction")
struct StoreCompactionTests {
    @Test(arguments: Backend.allCases)
    func compactedRevisionsAnswerCompacted(_ backend: Backend) async throws {
        let store = try backend.make()
        let p = "/registry/pods/default/"
        var rev = try await store.create(p + "live", bytes("0"))
        let firstRevision = rev
        for i in 1...10 { rev = try await store.update(p + "live", bytes("\(i)"), expectedRevision: rev) }
        let gone = try await store.create(p + "gone", bytes("g"))
        _ = try await store.delete(p + "gone", expectedRevision: gone)
        let stable = try await store.create(p + "stable", bytes("s"))
        for i in 0..<5 { _ = try await store.create("/registry/nodes/n\(i)", bytes("n")) }
        let current = try await store.currentRevision
        #expect(current == 19)

        let compacted = try await store.compact(keepRevisions: 5)
        #expect(compacted == 14)
        #expect(try await store.compactRevision == 14)

        await #expect(throws: StoreError.compacted(requested: firstRevision, compactedAt: 14)) {
            try await store.list(prefix: p, atRevision: firstRevision, limit: nil, continueAfter: nil)
        }
        await #expect(throws: StoreError.compacted(requested: 13, compactedAt: 14)) {
            try await store.get(p + "live", atRevision: 13)
        }
        await #expect(throws: StoreError.compacted(requested: 3, compactedAt: 14)) {
            try await collect(store.watch(prefix: p, fromRevision: 3)) { _ in false }
        }

        // The compact revision itself and everything after it stay readable.
        let atCompact = try await store.list(prefix: p, atRevision: 14, limit: nil, continueAfter: nil)
        #expect(atCompact.items.map(\.key) == [p + "live", p + "stable"])
        #expect(atCompact.items.first?.value == bytes("10"))
        #expect(atCompact.items.first?.createRevision == firstRevision)
        #expect(try await store.get(p + "stable", atRevision: 14)?.modRevision == stable)
        #expect(try await store.get(p + "gone", atRevision: 14) == nil)

        // Watching from the compact revision replays everything after it.
        let events = try await collect(store.watch(prefix: "/registry/", fromRevision: 14)) { $0.count == 5 }
        #expect(events.map(\.revision) == Array(15...19))

        // Compaction never moves back and never removes live keys, even with an empty window.
        #expect(try await store.compact(keepRevisions: 100) == 14)
        #expect(try await store.compact(keepRevisions: 0) == current)
        #expect(try await store.count(prefix: "/registry/") == 7)
        #expect(try await store.get(p + "live")?.value == bytes("10"))
        // Revisions keep counting from where they were.
        #expect(try await store.create(p + "gone", bytes("back")) == current + 1)
        await store.close()
    }

    @Test(arguments: Backend.allCases)
    func compactionRunsAlongsideWritesAndWatches(_ backend: Backend) async throws {
        let store = try backend.make()
        let p = "/registry/configmaps/ns/"
        for i in 0..<20 { _ = try await store.create(p + "k\(i)", bytes("0")) }
        let stream = store.watch(prefix: p, fromRevision: 20)
        let writes = 300
        async let written: Void = {
            for n in 0..<writes {
                let key = p + "k\(n % 20)"
                let cur = try await store.get(key)!.modRevision
                _ = try await store.update(key, bytes("\(n)"), expectedRevision: cur)
                if n % 50 == 0 { _ = try await store.compact(keepRevisions: 10) }
            }
        }()
        // A live watcher is unaffected by compaction of revisions it has already passed.
        let events = try await collect(stream) { $0.count == writes }
        try await written
        #expect(events.map(\.revision) == Array(21...Int64(20 + writes)))
        #expect(try await store.count(prefix: p) == 20)
        await store.close()
    }
}
