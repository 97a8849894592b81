import Foundation
import Logging
import Testing
import TugAPI
import TugAPIServer
import TugClient
import TugInProcess
import TugStore
@testable import TugControllers

/// The controller manager against a server on an in-memory store, in-process.
@Suite struct NamespaceControllerTests {
    func cluster() async throws -> (APIServerCore, APIClient, Task<Void, any Error>) {
        let core = APIServerCore(store: MemoryStore(), serverAddress: "http://127.0.0.1:0", logger: Logger(label: "test"))
        try await core.bootstrap()
        let dispatcher = core.dispatcher
        let feed = Task { try await dispatcher.run() }
        return (core, APIClient(transport: InProcessTransport(core: core), fieldManager: "tests"), feed)
    }

    func namespace(_ name: String) -> CoreV1.Namespace {
        var ns = CoreV1.Namespace(metadata: MetaV1.ObjectMeta())
        ns.metadata.name = name
        return ns
    }

    /// Polls (bounded) until `check` holds.
    func eventually(_ what: String, _ check: () async throws -> Bool) async throws {
        for _ in 0..<300 {
            if try await check() { return }
            try await Task.sleep(for: .milliseconds(20))
        }
        Issue.record("timed out waiting for \(what)")
    }

    @Test func deletingANamespaceEmptiesThenRemovesIt() async throws {
        let (_, client, feed) = try await cluster()
        defer { feed.cancel() }
        _ = try await client.create(namespace("team"))
        var cm = CoreV1.ConfigMap(metadata: MetaV1.ObjectMeta())
        cm.metadata.name = "settings"
        cm.metadata.namespace = "team"
        _ = try await client.create(cm)
        var secret = CoreV1.Secret(metadata: MetaV1.ObjectMeta())
        secret.metadata.name = "token"
        secret.metadata.namespace = "team"
        _ = try await client.create(secret)

        // Without the controller a deleted namespace stays Terminating, and takes no new content.
        try await client.delete(CoreV1.Namespace.self, name: "team")
        let terminating = try await client.get(CoreV1.Namespace.self, name: "team")
        #expect(terminating.status?.phase == "Terminating")
        #expect(terminating.spec?.finalizers == ["kubernetes"])
        do {
            var late = cm
            late.metadata.name = "late"
            _ = try await client.create(late)
            Issue.record("created content in a terminating namespace")
        } catch let e as APIError {
            #expect(e.code == 403)
        }

        let manager = Task { try await ControllerManager(client: client, logger: Logger(label: "test")).run() }
        defer { manager.cancel() }
        try await eventually("the namespace to go") {
            do {
                _ = try await client.get(CoreV1.Namespace.self, name: "team")
                return false
            } catch let e as APIError where e.code == 404 { return true }
        }
        #expect(try await client.list(CoreV1.ConfigMap.self, namespace: "team").items.isEmpty)
        #expect(try await client.list(CoreV1.Secret.self, namespace: "team").items.isEmpty)
    }

    @Test func everyNamespaceGetsADefaultServiceAccount() async throws {
        let (_, client, feed) = try await cluster()
        defer { feed.cancel() }
        let manager = Task { try await ControllerManager(client: client, logger: Logger(label: "test")).run() }
        defer { manager.cancel() }
        _ = try await client.create(namespace("apps"))
        try await eventually("default service accounts") {
            let all = try await client.list(CoreV1.ServiceAccount.self).items
            return Set(all.filter { $0.metadata.name == "default" }.compactMap(\.metadata.namespace))
                .isSuperset(of: ["default", "kube-system", "apps"])
        }
        try await client.delete(CoreV1.ServiceAccount.self, namespace: "apps", name: "default")
        try await eventually("the default account to come back") {
            (try? await client.get(CoreV1.ServiceAccount.self, namespace: "apps", name: "default")) != nil
        }
    }
}
