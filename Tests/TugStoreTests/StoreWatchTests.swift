import Testing
import TugStore

@Suite("Store watch")
struct StoreWatchTests {
    @Test(arguments: Backend.allCases)
    func watchFromZeroSeesOnlyNewEvents(_ backend: Backend) async throws {
        let store = try backend.make()
        let p = "/registry/pods/default/"
        let old = try await store.create(p + "old", bytes("o"))
        let stream = store.watch(prefix: p, fromRevision: 0)
        let c = try await store.create(p + "web", bytes("1"))
        _ = try await store.create("/registry/pods/default2/other", bytes("x"))   // other prefix
        let u = try await store.update(p + "web", bytes("2"), expectedRevision: c)
        let d = try await store.delete(p + "old", expectedRevision: old)

        let events = try await collect(stream) { $0.count == 3 }
        #expect(events.map(\.revision) == [c, u, d.revision])
        guard case .put(let created, let noPrev) = events[0], case .put(let updated, let prev) = events[1],
              case .delete(let last, let beforeDelete) = events[2] else {
            Issue.record("unexpected event kinds: \(events)")
            return
        }
        #expect(created == StoredValue(key: p + "web", value: bytes("1"), createRevision: c, modRevision: c))
        #expect(noPrev == nil)
        #expect(updated == StoredValue(key: p + "web", value: bytes("2"), createRevision: c, modRevision: u))
        #expect(prev == created)
        #expect(last == StoredValue(key: p + "old", value: bytes("o"), createRevision: old, modRevision: d.revision))
        #expect(beforeDelete == StoredValue(key: p + "old", value: bytes("o"), createRevision: old, modRevision: old))
        await store.close()
    }

    @Test(arguments: Backend.allCases)
    func watchReplaysThenGoesLiveWithoutGapsOrDuplicates(_ backend: Backend) async throws {
        let store = try backend.make()
        let p = "/registry/configmaps/"
        for i in 0..<1200 { _ = try await store.create(p + "ns/cm-\(i)", bytes("\(i)")) }
        _ = try await store.create("/registry/secrets/ns/s", bytes("not watched"))   // revision 1201

        let from: Int64 = 10
        let stream = store.watch(prefix: p, fromRevision: from)
        let more = 400
        // Writers keep going while the watcher replays (1200 > one replay page) and switches to live.
        let writer = Task {
            try await withThrowingTaskGroup(of: Void.self) { group in
                for w in 0..<4 {
                    group.addTask {
                        for i in 0..<(more / 4) { _ = try await store.create(p + "ns/live-\(w)-\(i)", bytes("x")) }
                    }
                }
                try await group.waitForAll()
            }
        }
        let expected = 1200 - Int(from) + more
        let events = try await collect(stream, seconds: 60) { $0.count >= expected }
        try await writer.value

        let revs = events.map(\.revision)
        #expect(revs.count == expected)
        #expect(Set(revs).count == revs.count, "duplicates")
        #expect(revs == revs.sorted(), "out of order")
        #expect(revs.first == from + 1)
        // Every revision after `from` except the secret's.
        let all = Set((from + 1)...(try await store.currentRevision))
        #expect(all.subtracting(revs) == [1201])
        #expect(events.allSatisfy { $0.key.hasPrefix(p) })
        await store.close()
    }

    @Test(arguments: Backend.allCases)
    func watchFromCurrentOrFutureRevisionWaitsForNewEvents(_ backend: Backend) async throws {
        let store = try backend.make()
        let p = "/registry/pods/ns/"
        _ = try await store.create(p + "a", [])
        _ = try await store.create(p + "b", [])
        let fromNow = store.watch(prefix: p, fromRevision: 2)
        let future = store.watch(prefix: p, fromRevision: 3)
        _ = try await store.create(p + "c", [])
        _ = try await store.create(p + "d", [])
        #expect(try await collect(fromNow) { $0.count == 2 }.map(\.revision) == [3, 4])
        #expect(try await collect(future) { $0.count == 1 }.map(\.revision) == [4])
        await store.close()
    }

    @Test(arguments: Backend.allCases)
    func slowWatcherIsCutOffNotSkipped(_ backend: Backend) async throws {
        let store = try backend.make(watchBufferLimit: 5)
        let p = "/registry/events/ns/"
        let stream = store.watch(prefix: p, fromRevision: 0)
        for i in 0..<20 { _ = try await store.create(p + "e\(i)", []) }
        await #expect(throws: StoreError.watcherTooSlow) {
            try await collect(stream) { _ in false }
        }
        // Other watchers are unaffected.
        let fresh = store.watch(prefix: p, fromRevision: 20)
        _ = try await store.create(p + "after", [])
        #expect(try await collect(fresh) { $0.count == 1 }.map(\.revision) == [21])
        await store.close()
    }

    @Test(arguments: Backend.allCases)
    func closeEndsWatches(_ backend: Backend) async throws {
        let store = try backend.make()
        let stream = store.watch(prefix: "/registry/", fromRevision: 0)
        let consumer = Task { try await collect(stream) { _ in false } }
        _ = try await store.create("/registry/pods/ns/a", [])
        try await Task.sleep(for: .milliseconds(50))
        await store.close()
        await #expect(throws: StoreError.closed) { try await consumer.value }
        await #expect(throws: StoreError.closed) {
            try await collect(store.watch(prefix: "/registry/", fromRevision: 0)) { _ in false }
        }
    }

    @Test(arguments: Backend.allCases)
    func cancellingTheConsumerEndsTheWatch(_ backend: Backend) async throws {
        let store = try backend.make()
        let stream = store.watch(prefix: "/registry/", fromRevision: 0)
        let consumer = Task {
            var n = 0
            for try await _ in stream { n += 1 }
            return n
        }
        _ = try await store.create("/registry/pods/ns/a", [])
        try await Task.sleep(for: .milliseconds(50))
        consumer.cancel()
        // The loop ends (no hang) after the events it already had.
        #expect(try await withTimeout { try await consumer.value } <= 1)
        _ = try await store.create("/registry/pods/ns/b", [])
        await store.close()
    }
}
