import Foundation
import Logging
import Testing
import TugAPI
import TugAPIServer
import TugClient
import TugInProcess
import TugStore
@testable import TugControllers

/// An in-process API server with the whole controller manager, for controller tests: pods are
/// not scheduled or run, so tests set their node, IP and readiness by hand.
struct ControllerTestCluster {
    let client: APIClient
    let tasks: [Task<Void, any Error>]

    static func start(terminatedPodThreshold: Int = 12500, podGCQuarantine: Duration = .seconds(40),
                      podGCPeriod: Duration = .seconds(20), podNetwork: ControllerManager.PodNetwork? = nil) async throws -> ControllerTestCluster {
        let core = APIServerCore(store: MemoryStore(), serverAddress: "http://127.0.0.1:0", logger: Logger(label: "test"))
        try await core.bootstrap()
        let dispatcher = core.dispatcher
        let feed = Task { try await dispatcher.run() }
        let client = APIClient(transport: InProcessTransport(core: core), fieldManager: "tests")
        let manager = Task {
            try await ControllerManager(client: client, logger: Logger(label: "test"), terminatedPodThreshold: terminatedPodThreshold,
                                        podGCQuarantine: podGCQuarantine, podGCPeriod: podGCPeriod, podNetwork: podNetwork).run()
        }
        return ControllerTestCluster(client: client, tasks: [feed, manager])
    }

    func stop() { for t in tasks.reversed() { t.cancel() } }

    /// Polls (generously: CI machines are slow) until `check` holds.
    func eventually(_ what: String, timeout: Duration = .seconds(15), _ check: () async throws -> Bool) async throws {
        let deadline = ContinuousClock.now + timeout
        while ContinuousClock.now < deadline {
            if try await check() { return }
            try await Task.sleep(for: .milliseconds(25))
        }
        Issue.record("timed out waiting for \(what)")
    }

    static func pod(_ name: String, labels: [String: String], ports: [CoreV1.ContainerPort] = [], node: String? = nil) -> CoreV1.Pod {
        var p = CoreV1.Pod(metadata: MetaV1.ObjectMeta(name: name, namespace: "default"))
        p.metadata.labels = labels
        var c = CoreV1.Container()
        c.name = "app"
        c.image = "nginx"
        c.ports = ports.isEmpty ? nil : ports
        p.spec = CoreV1.PodSpec(containers: [c])
        p.spec?.schedulerName = "none"
        p.spec?.nodeName = node
        return p
    }

    /// Gives a pod an IP and a Ready condition, as a node agent would.
    @discardableResult
    func setStatus(_ name: String, ip: String?, ready: Bool, phase: String = "Running") async throws -> CoreV1.Pod {
        var p = try await client.get(CoreV1.Pod.self, namespace: "default", name: name)
        var s = p.status ?? CoreV1.PodStatus()
        s.phase = phase
        s.podIP = ip
        s.podIPs = ip.map { [CoreV1.PodIP(ip: $0)] }
        s.conditions = [CoreV1.PodCondition(type: "Ready", status: ready ? "True" : "False", lastTransitionTime: Time.now())]
        p.status = s
        return try await client.updateStatus(p)
    }

    func node(_ name: String, labels: [String: String] = [:]) async throws {
        var n = CoreV1.Node(metadata: MetaV1.ObjectMeta(name: name))
        n.metadata.labels = labels
        let now = Time.now()
        n.status = CoreV1.NodeStatus(conditions: [CoreV1.NodeCondition(type: "Ready", status: "True", lastHeartbeatTime: now, lastTransitionTime: now)])
        _ = try await client.create(n)
    }

    static func service(_ name: String, selector: [String: String]?, ports: [CoreV1.ServicePort]) -> CoreV1.Service {
        var s = CoreV1.Service(metadata: MetaV1.ObjectMeta(name: name, namespace: "default"))
        s.metadata.labels = ["team": "blue"]
        s.spec = CoreV1.ServiceSpec(ports: ports, selector: selector)
        return s
    }
}

/// Helpers of the StatefulSet and DaemonSet tests.
extension ControllerTestCluster {
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
