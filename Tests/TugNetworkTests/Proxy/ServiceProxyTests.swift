import Foundation
import Logging
import Testing
import TugAPI
import TugAPIServer
import TugClient
import TugInProcess
import TugStore
@testable import TugNetwork

/// The proxy against a real (in-process) API server, its nft runner replaced by a recorder.
@Suite("ServiceProxy with an in-process API server", .serialized)
struct ServiceProxyTests {
    typealias F = ProxyFixtures

    /// Polls until `check` holds or the deadline passes.
    func eventually(_ what: String, timeout: Duration = .seconds(20), _ check: () async throws -> Bool) async throws {
        let deadline = ContinuousClock.now + timeout
        while ContinuousClock.now < deadline {
            if try await check() { return }
            try await Task.sleep(for: .milliseconds(20))
        }
        Issue.record("timed out waiting for \(what)")
    }

    @Test("creating a Service and its EndpointSlice programs the rule; an endpoint change and a delete are incremental",
          .timeLimit(.minutes(2)))
    func programsRules() async throws {
        let core = APIServerCore(store: MemoryStore(), serverAddress: "http://127.0.0.1:0", logger: Logger(label: "test"))
        try await core.bootstrap()
        let dispatcher = core.dispatcher
        let feed = Task { try await dispatcher.run() }
        defer { feed.cancel() }
        let client = APIClient(transport: InProcessTransport(core: core), fieldManager: "tests")
        let runner = RecordingNFTRunner()
        let options = try F.options(nodeIPs: ["127.0.0.1"])
        let proxy = ServiceProxy(client: client, options: options, runner: runner, logger: Logger(label: "test"))
        let running = Task { try await proxy.run() }
        defer { running.cancel() }

        // The first full sync (empty cluster) lays out the table and turns route_localnet on for 127.0.0.1.
        try await eventually("the first full sync") { await runner.scripts.count >= 1 }
        #expect(await runner.routeLocalnetEnabled)
        #expect(await runner.scripts.first?.contains("add chain ip tugboat nat-prerouting") == true)

        var svc = F.service("web", type: "NodePort", ports: [.init(name: "http", protocol: "TCP", port: 80, targetPort: 8080, nodePort: 30080)])
        svc.spec?.clusterIPs = nil
        _ = try await client.create(svc)
        let created = try await client.get(CoreV1.Service.self, namespace: "default", name: "web")
        let clusterIP = try #require(created.spec?.clusterIP)
        _ = try await client.create(F.slice("web", endpoints: [.init(ip: "10.42.0.5")]))
        try await eventually("the ClusterIP rule") {
            let scripts = await runner.scripts
            return scripts.contains { $0.contains("add element ip tugboat service-ips { \(clusterIP) . tcp . 80 : goto service-") }
                && scripts.contains { $0.contains("dnat to 10.42.0.5:8080") }
        }
        #expect(await runner.scripts.contains { $0.contains("add element ip tugboat service-nodeports { tcp . 30080 : goto external-") })

        // Swap the endpoint: a small transaction, not the whole table.
        var slice = try await client.get(DiscoveryV1.EndpointSlice.self, namespace: "default", name: "web-abcde")
        slice.endpoints = [DiscoveryV1.Endpoint(addresses: ["10.42.0.6"], conditions: .init(ready: true), nodeName: "node-a")]
        let before = await runner.scripts.count
        _ = try await client.update(slice)
        try await eventually("the endpoint swap") { await runner.scripts.dropFirst(before).contains { $0.contains("dnat to 10.42.0.6:8080") } }
        let swap = try #require(await runner.scripts.dropFirst(before).first { $0.contains("dnat to 10.42.0.6:8080") })
        #expect(!swap.contains("nat-prerouting") && !swap.contains("flush map"), "incremental: \(swap)")
        #expect(swap.contains("delete chain ip tugboat endpoint-"))

        // Delete the service: its elements and chains go.
        try await client.delete(CoreV1.Service.self, namespace: "default", name: "web")
        try await eventually("the service's removal") {
            await runner.scripts.contains { $0.contains("delete element ip tugboat service-nodeports { tcp . 30080 }") }
        }

        // A refused transaction is followed by a full sync that rewrites the table.
        await runner.refuseNext()
        let fullsBefore = await proxy.syncer.fullSyncs
        _ = try await client.create(F.service("api", clusterIP: "10.43.0.33"))
        try await eventually("recovery with a full sync") { await proxy.syncer.fullSyncs > fullsBefore }
        // The new service is programmed (by the full sync or the incremental one after it).
        try await eventually("the new service's reject rule") {
            // (A full sync lists every element of the map in one statement: `kubernetes` is there too.)
            await runner.scripts.contains { $0.contains("no-endpoint-services {") && $0.contains("10.43.0.33 . tcp . 80 : goto reject-chain") }
        }
    }
}
