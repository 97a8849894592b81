import Foundation
import Synchronization
import Testing
import TugAPI
import TugInProcess
@testable import TugClient

/// Records what an informer's handler was told.
final class EventLog: Sendable {
    private let lines = Mutex<[String]>([])
    func add(_ s: String) { lines.withLock { $0.append(s) } }
    var all: [String] { lines.withLock { $0 } }

    /// Waits (bounded) until `count` lines were recorded.
    func wait(for count: Int) async throws {
        for _ in 0..<400 where all.count < count { try await Task.sleep(for: .milliseconds(10)) }
    }

    static func describe(_ e: InformerEvent<CoreV1.ConfigMap>) -> String {
        switch e {
        case .added(let o): return "added \(o.metadata.name!)"
        case .updated(let old, let new): return "updated \(new.metadata.name!) \(old.data?["v"] ?? "-")->\(new.data?["v"] ?? "-")"
        case .deleted(let o): return "deleted \(o.metadata.name!)"
        }
    }
}

@Suite struct InformerTests {
    @Test func keepsACopyAndTellsHandlers() async throws {
        let c = try await TestCluster()
        defer { c.stop() }
        _ = try await c.client.create(TestCluster.configMap("a", labels: ["app": "web"]))
        _ = try await c.client.create(TestCluster.configMap("b", labels: ["app": "db"]))
        let informer = Informer<CoreV1.ConfigMap>(client: c.client, namespace: "default")
        let log = EventLog()
        await informer.addHandler { log.add(EventLog.describe($0)) }
        await informer.addIndex("app") { [$0.metadata.labels?["app"] ?? ""] }
        let run = Task { await informer.run() }
        defer { run.cancel() }
        await informer.waitForSync()
        #expect(await informer.count == 2)
        #expect(Set(log.all) == ["added a", "added b"])

        _ = try await c.client.create(TestCluster.configMap("c", labels: ["app": "web"]))
        _ = try await c.client.patch(CoreV1.ConfigMap.self, namespace: "default", name: "a", ["data": ["v": "1"]])
        try await c.client.delete(CoreV1.ConfigMap.self, namespace: "default", name: "b")
        try await log.wait(for: 5)
        #expect(Array(log.all.dropFirst(2)) == ["added c", "updated a -->1", "deleted b"])
        #expect(await informer.get(namespace: "default", name: "a")?.data == ["v": "1"])
        #expect(await informer.get("default/b") == nil)
        #expect(Set(await informer.byIndex("app", "web").map { $0.metadata.name! }) == ["a", "c"])
        #expect(await informer.byIndex("app", "db").isEmpty)
    }

    @Test func relistsWhenTheWatchIsTooOld() async throws {
        let c = try await TestCluster()
        defer { c.stop() }
        _ = try await c.client.create(TestCluster.configMap("first"))
        let transport = ExpiringTransport(InProcessTransport(core: c.core))
        let informer = Informer<CoreV1.ConfigMap>(client: APIClient(transport: transport), namespace: "default")
        let log = EventLog()
        await informer.addHandler { log.add(EventLog.describe($0)) }
        // Written while the informer's first watch is answered with 410 Gone: only a new list finds it.
        transport.beforeExpiry = { _ = try? await c.client.create(TestCluster.configMap("during-gap")) }
        let run = Task { await informer.run() }
        defer { run.cancel() }
        try await log.wait(for: 2)
        #expect(log.all == ["added first", "added during-gap"])
        #expect(transport.lists >= 2)
    }
}

/// Answers the first watch with an ERROR event carrying 410 Expired, as a server does when the
/// requested resourceVersion was compacted away.
final class ExpiringTransport: Transport, @unchecked Sendable {
    let inner: any Transport
    private let state = Mutex<(lists: Int, expired: Bool)>((0, false))
    nonisolated(unsafe) var beforeExpiry: (@Sendable () async -> Void)?

    init(_ inner: any Transport) { self.inner = inner }

    var lists: Int { state.withLock { $0.lists } }

    func send(_ request: ClientRequest) async throws -> ClientResponse {
        if request.method == "GET", !request.query.contains(where: { $0.0 == "watch" }) { state.withLock { $0.lists += 1 } }
        return try await inner.send(request)
    }

    func stream(_ request: ClientRequest) async throws -> StreamingResponse {
        let first = state.withLock { s in
            defer { s.expired = true }
            return !s.expired
        }
        guard first else { return try await inner.stream(request) }
        await beforeExpiry?()
        let line = #"{"type":"ERROR","object":{"kind":"Status","apiVersion":"v1","status":"Failure","reason":"Expired","code":410,"message":"too old resource version"}}"# + "\n"
        let body = AsyncThrowingStream<[UInt8], any Error> { cont in
            cont.yield(Array(line.utf8))
            cont.finish()
        }
        return StreamingResponse(status: 200, body: body)
    }
}
