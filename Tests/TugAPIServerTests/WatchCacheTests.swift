import Foundation
import Testing
import TugAPI
import TugStore
@testable import TugAPIServer

/// The watch cache's pages (key order, limit, continue position, remaining count) and its
/// per-watcher buffers (batching, overflow → 410, ending).
@Suite struct WatchCacheTests {
    let info = ResourceCatalog.all.first { $0.group.isEmpty && $0.resource == "configmaps" }!

    func cache() -> WatchCache {
        WatchCache(info: info, dispatcherRevision: { 0 }) { bytes, _, _ in
            let obj = try? JSONValue(parsing: Data(bytes))
            let labels = obj?["metadata"]?["labels"]?.objectValue?.compactMapValues(\.stringValue) ?? [:]
            return ObjectAttributes(labels: labels)
        }
    }

    func value(_ ns: String, _ name: String, rev: Int64, labels: [String: String] = [:]) -> StoredValue {
        let meta: JSONValue = ["name": .string(name), "namespace": .string(ns), "labels": .object(labels.mapValues { .string($0) })]
        let body: JSONValue = ["apiVersion": "v1", "kind": "ConfigMap", "metadata": meta]
        return StoredValue(key: "\(info.storePrefix)\(ns)/\(name)", value: Array(body.serialized()), createRevision: rev, modRevision: rev)
    }

    @Test func pagesInKeyOrderWithRemainingCount() {
        let c = cache()
        c.reset([value("b", "x", rev: 1)], revision: 1)
        // Inserted out of order, in two namespaces.
        for (i, name) in ["m", "c", "z", "a", "k"].enumerated() {
            c.apply(.put(value("a", name, rev: Int64(2 + i), labels: ["odd": i % 2 == 0 ? "yes" : "no"]), previous: nil))
        }
        c.apply(.put(value("c", "q", rev: 10), previous: nil))
        let all = c.snapshot(ObjectFilter())
        #expect(all.objects.map(\.name) == ["a", "c", "k", "m", "z", "x", "q"])
        #expect(all.revision == 10 && !all.more)

        let ns = ObjectFilter(namespace: "a")
        let page1 = c.snapshot(ns, limit: 2)
        #expect(page1.objects.map(\.name) == ["a", "c"])
        #expect(page1.more && page1.remaining == 3)
        let page2 = c.snapshot(ns, limit: 2, after: page1.objects.last!.key)
        #expect(page2.objects.map(\.name) == ["k", "m"])
        #expect(page2.more && page2.remaining == 1)
        let page3 = c.snapshot(ns, limit: 2, after: page2.objects.last!.key)
        #expect(page3.objects.map(\.name) == ["z"] && !page3.more && page3.remaining == nil)

        // With a selector the count is not known cheaply, and `more` means a further match exists.
        let yes = ObjectFilter(namespace: "a") { labels, _ in labels["odd"] == "yes" }   // m, z, k
        #expect(c.snapshot(yes).objects.map(\.name) == ["k", "m", "z"])
        let sel = c.snapshot(yes, limit: 2)
        #expect(sel.objects.map(\.name) == ["k", "m"] && sel.more && sel.remaining == nil)
        let exact = c.snapshot(yes, limit: 3)
        #expect(exact.objects.map(\.name) == ["k", "m", "z"] && !exact.more)

        c.apply(.delete(value("a", "c", rev: 11), previous: value("a", "c", rev: 3)))
        #expect(c.snapshot(ns).objects.map(\.name) == ["a", "k", "m", "z"])
        #expect(c.snapshot(ns, limit: 1).remaining == 3)
    }

    @Test func watchersGetBatchesAndSlowOnesAreClosed() async throws {
        let c = cache()
        c.reset([], revision: 1)
        let fast = try #require(c.watch(ObjectFilter(), start: .after(1)))
        let slow = try #require(c.watch(ObjectFilter(), start: .after(1), bufferLimit: 3))
        #expect(c.watcherCount == 2)
        for i in 0..<5 { c.apply(.put(value("a", "n\(i)", rev: Int64(2 + i)), previous: nil)) }
        // Everything pending arrives in one batch.
        let batch = try await fast.next()
        #expect(batch.count == 5)
        // The slow watcher overflowed: it ends with 410 Gone and is no longer fed.
        #expect(c.watcherCount == 1)
        await #expect(throws: APIError.self) { _ = try await slow.next() }
        #expect(try await slow.next().isEmpty)

        // Ending a watch from the consumer side removes it from the cache.
        fast.finish()
        #expect(try await fast.next().isEmpty)
        #expect(c.watcherCount == 0)
    }

    @Test func waitingConsumerWakesOnPushAndOnCancel() async throws {
        let buffer = WatchBuffer()
        let reader = Task { try await buffer.next() }
        try await Task.sleep(for: .milliseconds(20))
        buffer.push(.bookmark(7, initialEventsEnd: false))
        let got = try await reader.value
        #expect(got.count == 1)

        let ended = WatchBuffer()
        let waiter = Task { try await ended.next() }
        try await Task.sleep(for: .milliseconds(20))
        waiter.cancel()
        #expect(try await waiter.value.isEmpty)
        #expect(!ended.push(.bookmark(8, initialEventsEnd: false)), "a cancelled watch takes no more items")
    }
}
