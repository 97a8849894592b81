import Foundation
import Logging
import Testing
import TugAPI
import TugAPIServer
@testable import TugAgent
import TugClient
import TugInProcess
import TugStore

/// The API-backed source against a real in-process API server.
struct APIPodConfigSourceTests {
    /// An in-process API server and a client of it; cancel the task to stop the server's feed.
    static func server() async throws -> (APIClient, Task<Void, any Error>) {
        let core = APIServerCore(store: MemoryStore(), serverAddress: "http://127.0.0.1:0", logger: Logger(label: "test"))
        try await core.bootstrap()
        let dispatcher = core.dispatcher
        let feed = Task { try await dispatcher.run() }
        return (APIClient(transport: InProcessTransport(core: core), fieldManager: "tests"), feed)
    }

    @Test func readsConfigMapsSecretsAndServicesAndAnswersNilWhenMissing() async throws {
        let (client, feed) = try await Self.server()
        defer { feed.cancel() }
        _ = try await client.create(CoreV1.Namespace(metadata: MetaV1.ObjectMeta(name: "team")))
        _ = try await client.create(Fixtures.configMap("settings", ["MODE": "fast"]))
        _ = try await client.create(Fixtures.secret("creds", ["password": "s3cret"]))
        // The API server made the `kubernetes` Service (10.43.0.1:443) itself.

        let source = APIPodConfigSource(client: client)
        #expect(try await source.configMap(namespace: "team", name: "settings")?.data == ["MODE": "fast"])
        #expect(try await source.configMap(namespace: "team", name: "absent") == nil)
        #expect(try await source.secret(namespace: "team", name: "creds")?.data?["password"] == Data("s3cret".utf8))
        #expect(try await source.secret(namespace: "team", name: "absent") == nil)
        let services = try await source.services(namespace: "default")
        #expect(services.map { $0.metadata.name } == ["kubernetes"])

        // The whole builder over the real server.
        let pod = Fixtures.pod(containers: [Fixtures.container(env: [
            Fixtures.env("MODE", from: Fixtures.configMapKey("settings", "MODE")),
            Fixtures.env("PASSWORD", from: Fixtures.secretKey("creds", "password")),
        ])])
        let env = try await ContainerEnvironment.build(pod: pod, container: pod.spec!.containers![0], context: Fixtures.context, source: source)
        #expect(env.value(of: "MODE") == "fast")
        #expect(env.value(of: "PASSWORD") == "s3cret")
        let clusterIP = try #require(services.first?.spec?.clusterIP)
        #expect(env.value(of: "KUBERNETES_SERVICE_HOST") == clusterIP)
        #expect(env.value(of: "KUBERNETES_PORT_443_TCP") == "tcp://\(clusterIP):443")
    }

    @Test func readsServicesFromTheWatchOnceItHasSynced() async throws {
        let (client, feed) = try await Self.server()
        defer { feed.cancel() }
        _ = try await client.create(CoreV1.Namespace(metadata: MetaV1.ObjectMeta(name: "team")))
        let informer = await APIPodConfigSource.serviceInformer(client: client, logger: Logger(label: "test"))
        let source = APIPodConfigSource(client: client, services: informer)
        // Before the watch has synced, lists go to the API server.
        #expect(try await source.services(namespace: "default").map { $0.metadata.name } == ["kubernetes"])
        let watching = Task { await informer.run() }
        defer { watching.cancel() }
        await informer.waitForSync()
        var web = CoreV1.Service(metadata: MetaV1.ObjectMeta(name: "web", namespace: "team"))
        web.spec = CoreV1.ServiceSpec(ports: [CoreV1.ServicePort(port: 80)])
        _ = try await client.create(web)
        // The new Service reaches the watch; each namespace sees only its own.
        for _ in 0..<200 where await informer.get(namespace: "team", name: "web") == nil { try await Task.sleep(for: .milliseconds(10)) }
        #expect(try await source.services(namespace: "team").map { $0.metadata.name } == ["web"])
        #expect(try await source.services(namespace: "default").map { $0.metadata.name } == ["kubernetes"])
        #expect(try await source.services(namespace: "empty").isEmpty)
    }
}
