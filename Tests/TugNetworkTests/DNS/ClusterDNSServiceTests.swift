import Logging
import NIOCore
import Testing
import TugAPI
import TugAPIServer
import TugClient
import TugInProcess
import TugStore
@testable import TugNetwork

@Suite("Cluster DNS service against an in-process API server")
struct ClusterDNSServiceTests {
    typealias F = DNSFixtures

    @Test("creating a Service and an EndpointSlice makes the names resolve; deleting makes them go")
    func resolvesFromTheAPI() async throws {
        let core = APIServerCore(store: MemoryStore(), serverAddress: "http://127.0.0.1:0", logger: Logger(label: "test"))
        try await core.bootstrap()
        let dispatcher = core.dispatcher
        let feed = Task { try await dispatcher.run() }
        defer { feed.cancel() }
        let client = APIClient(transport: InProcessTransport(core: core), fieldManager: "tests")
        let upstream = try await FakeUpstream.start(records: ["example.com.": [93, 184, 216, 34]])
        defer { Task { await upstream.stop() } }

        let dns = try ClusterDNSService(client: client, listen: [try SocketAddress(ipAddress: "127.0.0.1", port: 0)],
                                        upstreams: [upstream.address], logger: Logger(label: "test"))
        let running = Task { try await dns.run() }
        defer { running.cancel() }
        let server = try await eventually("the server listening") { dns.boundAddresses.first }

        _ = try await client.create(F.service("web", clusterIP: "10.43.0.77"))
        var headless = F.service("db", clusterIP: "None", ports: [CoreV1.ServicePort(name: "pg", protocol: "TCP", port: 5432)])
        headless.spec?.clusterIPs = nil
        _ = try await client.create(headless)
        _ = try await client.create(F.slice("db-x1", service: "db", [.init(ip: "10.42.0.5", hostname: "db-0"), .init(ip: "10.42.0.6", hostname: "db-1")],
                                            ports: [DiscoveryV1.EndpointPort(name: "pg", protocol: "TCP", port: 5432)]))

        func ask(_ name: String, _ type: DNSType) async throws -> DNSMessage {
            try await DNSTestClient.udp(DNSMessage.query(id: 1, name: F.name(name), type: type), to: server)
        }
        _ = try await eventually("web resolving") { try await ask("web.default.svc.cluster.local", .a).answers.addresses == ["10.43.0.77"] ? true : nil }
        _ = try await eventually("db resolving to both pods") {
            try await ask("db.default.svc.cluster.local", .a).answers.addresses == ["10.42.0.5", "10.42.0.6"] ? true : nil
        }
        #expect(try await ask("db-1.db.default.svc.cluster.local", .a).answers.addresses == ["10.42.0.6"])
        #expect(try await ask("_pg._tcp.db.default.svc.cluster.local", .srv).answers.services.count == 2)
        #expect(try await ask("77.0.43.10.in-addr.arpa", .ptr).answers.targets == ["web.default.svc.cluster.local."])
        #expect(try await ask("example.com", .a).answers.addresses == ["93.184.216.34"])

        try await client.delete(CoreV1.Service.self, namespace: "default", name: "web")
        _ = try await eventually("web gone") { try await ask("web.default.svc.cluster.local", .a).responseCode == .nameError ? true : nil }
        try await client.delete(DiscoveryV1.EndpointSlice.self, namespace: "default", name: "db-x1")
        _ = try await eventually("db without endpoints") {
            let r = try await ask("db.default.svc.cluster.local", .a)
            return r.responseCode == .noError && r.answers.isEmpty ? true : nil
        }
        running.cancel()
        _ = try? await running.value
    }

    /// Polls (bounded) until `check` gives a value.
    func eventually<T>(_ what: String, timeout: Duration = .seconds(15), _ check: () async throws -> T?) async throws -> T {
        let deadline = ContinuousClock.now + timeout
        while ContinuousClock.now < deadline {
            if let value = try? await check() { return value }
            try await Task.sleep(for: .milliseconds(25))
        }
        Issue.record("timed out waiting for \(what)")
        throw DNSTestClient.Timeout()
    }
}
