import Synchronization
import Testing
import TugStore

/// A stand-in for the table: what the writer has committed, for the hub's replay source.
private final class EventLog: Sendable {
    private let events = Mutex<[StoreEvent]>([])

    func append(_ e: StoreEvent) { events.withLock { $0.append(e) } }

    func replay(prefix: String, after: Int64, upTo: Int64, limit: Int) -> [StoreEvent] {
        events.withLock { all in
            Array(all.filter { $0.revision > after && $0.revision <= upTo && KeyPrefix.matches($0.key, prefix) }.prefix(limit))
        }
    }
}

@Suite("Watch hub")
struct WatchHubTests {
    private static let noReplay: WatchHub.ReplaySource = { _, _, _, _ in [] }

    private static func event(_ rev: Int64, _ key: String) -> StoreEvent {
        .put(StoredValue(key: key, value: [], createRevision: rev, modRevision: rev), previous: nil)
    }

    @Test func droppedStreamsUnregister() async throws {
        let hub = WatchHub(revision: 0)
        do {
            let stream = hub.watch(prefix: "/registry/", fromRevision: 0, replay: Self.noReplay)
            #expect(hub.watcherCount == 1)
            _ = stream
        }
        #expect(hub.watcherCount == 0)
    }

    @Test func cancelledConsumersUnregister() async throws {
        let hub = WatchHub(revision: 0)
        let stream = hub.watch(prefix: "/registry/", fromRevision: 0, replay: Self.noReplay)
        let consumer = Task { for try await _ in stream {} }
        try await Task.sleep(for: .milliseconds(20))
        consumer.cancel()
        try await withTimeout { try await consumer.value }
        #expect(hub.watcherCount == 0)
    }

    @Test func replayHandsOverToLiveWithoutGapsOrDuplicates() async throws {
        let log = EventLog()
        let hub = WatchHub(revision: 0, replayPageSize: 2)
        let write: @Sendable (Int64, String) -> Void = { rev, key in
            log.append(Self.event(rev, key))
            hub.publish([Self.event(rev, key)], revision: rev)
        }
        write(1, "/a/1"); write(2, "/b/2"); write(3, "/a/3")

        let fromNow = hub.watch(prefix: "/a/", fromRevision: 0, replay: Self.noReplay)
        let replaying = hub.watch(prefix: "/a/", fromRevision: 1) { prefix, after, upTo, limit in
            log.replay(prefix: prefix, after: after, upTo: upTo, limit: limit)
        }
        // Published before the replaying watcher reads anything: it must get them from replay.
        write(4, "/a/4"); write(5, "/b/5"); write(6, "/a/6"); write(7, "/a/7")

        let reader = Task { try await collect(replaying) { $0.count == 6 }.map(\.revision) }
        try await Task.sleep(for: .milliseconds(20))
        write(8, "/a/8"); write(9, "/a/9")

        #expect(try await reader.value == [3, 4, 6, 7, 8, 9])
        #expect(try await collect(fromNow) { $0.count == 5 }.map(\.revision) == [4, 6, 7, 8, 9])
    }
}
