import Foundation
import Logging
import Testing
import TugAPI
import TugAPIServer
import TugClient
import TugInProcess
import TugStore
@testable import TugControllers

/// An in-process API server with the controller manager running over it (no scheduler, no
/// nodes' agents: tests move pods through their phases by hand).
struct ControllerTestCluster {
    let client: APIClient
    let tasks: [Task<Void, any Error>]

    static func start() async throws -> ControllerTestCluster {
        let core = APIServerCore(store: MemoryStore(), serverAddress: "http://127.0.0.1:0", logger: Logger(label: "test"))
        try await core.bootstrap()
        let dispatcher = core.dispatcher
        let feed = Task { try await dispatcher.run() }
        let client = APIClient(transport: InProcessTransport(core: core), fieldManager: "tests")
        let manager = Task { try await ControllerManager(client: client, logger: Logger(label: "test")).run() }
        return ControllerTestCluster(client: client, tasks: [feed, manager])
    }

    func stop() { for t in tasks { t.cancel() } }

    /// Polls `check` (generously: controllers under a loaded machine can be slow).
    func eventually(_ what: String, _ check: () async throws -> Bool) async throws {
        for _ in 0..<1000 {
            if try await check() { return }
            try await Task.sleep(for: .milliseconds(20))
        }
        Issue.record("timed out waiting for \(what)")
        throw CancellationError()
    }

    func pods(_ labelSelector: String) async throws -> [CoreV1.Pod] {
        try await client.list(CoreV1.Pod.self, namespace: "default", labelSelector: labelSelector).items
    }

    func pod(_ name: String) async throws -> CoreV1.Pod? {
        do {
            return try await client.get(CoreV1.Pod.self, namespace: "default", name: name)
        } catch let e as APIError where e.code == 404 {
            return nil
        }
    }

    /// What a kubelet reports for a started pod: Running and Ready (or not Ready).
    func setRunning(_ name: String, ready: Bool = true) async throws {
        var p = try await client.get(CoreV1.Pod.self, namespace: "default", name: name)
        var s = p.status ?? CoreV1.PodStatus()
        s.phase = "Running"
        s.conditions = [CoreV1.PodCondition(type: "Ready", status: ready ? "True" : "False", lastTransitionTime: Time.now())]
        p.status = s
        _ = try await client.updateStatus(p)
    }

    func setPhase(_ name: String, _ phase: String) async throws {
        var p = try await client.get(CoreV1.Pod.self, namespace: "default", name: name)
        var s = p.status ?? CoreV1.PodStatus()
        s.phase = phase
        s.conditions = []
        p.status = s
        _ = try await client.updateStatus(p)
    }

    static func template(app: String, image: String = "nginx") -> CoreV1.PodTemplateSpec {
        var template = CoreV1.PodTemplateSpec()
        template.metadata.labels = ["app": app]
        var c = CoreV1.Container()
        c.name = "app"
        c.image = image
        template.spec = CoreV1.PodSpec(containers: [c])
        return template
    }
}

/// Names seen in pod informer events, in order: how tests tell which pod came or went first.
actor PodEventLog {
    var added: [String] = []
    var deleted: [String] = []

    func record(_ event: InformerEvent<CoreV1.Pod>) {
        switch event {
        case .added(let p): added.append(p.metadata.name ?? "")
        case .deleted(let p): deleted.append(p.metadata.name ?? "")
        case .updated: break
        }
    }

    /// Watches pods in `default` until the returned task is cancelled.
    static func watch(_ client: APIClient) async -> (PodEventLog, Task<Void, Never>) {
        let log = PodEventLog()
        let informer = Informer<CoreV1.Pod>(client: client, namespace: "default")
        await informer.addHandler { await log.record($0) }
        let task = Task { await informer.run() }
        await informer.waitForSync()
        return (log, task)
    }
}
