import Foundation
import Logging
import Testing
import TugAPI
import TugAPIServer
import TugClient
import TugInProcess
import TugRuntime
import TugRuntimeSimulated
import TugStore
@testable import TugAgent

/// An in-process API server plus one node agent on a runtime the test picks (the simulated
/// one by default), with fast relists, for driving the agent as the API sees it.
struct AgentTestNode {
    let client: APIClient
    let runtime: any ContainerRuntime
    let dataDirectory: String
    var tasks: [Task<Void, any Error>]
    let core: APIServerCore
    let manifests: Bool
    let configure: @Sendable (inout NodeAgent.Configuration) -> Void
    static let nodeName = "node-a"

    static func start(runtime: any ContainerRuntime = SimulatedRuntime(podNetworking: false), manifests: Bool = false,
                      configure: @escaping @Sendable (inout NodeAgent.Configuration) -> Void = { _ in }) async throws -> AgentTestNode {
        let core = APIServerCore(store: MemoryStore(), serverAddress: "http://127.0.0.1:0", logger: Logger(label: "test"))
        try await core.bootstrap()
        let dispatcher = core.dispatcher
        let feed = Task { try await dispatcher.run() }
        let client = APIClient(transport: InProcessTransport(core: core), fieldManager: "tests")
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("tug-agent-\(UUID().uuidString)").path
        var node = AgentTestNode(client: client, runtime: runtime, dataDirectory: dir, tasks: [feed], core: core, manifests: manifests,
                                 configure: configure)
        node.startAgent()
        return node
    }

    mutating func startAgent() {
        var config = NodeAgent.Configuration(nodeName: Self.nodeName, nodeIP: "127.0.0.1", kubeletPort: 0, dataDirectory: dataDirectory,
                                             controlPlane: true)
        config.relistInterval = .milliseconds(50)
        config.leaseInterval = .seconds(1)
        if manifests {
            config.manifestsDirectory = dataDirectory + "/manifests"
            config.manifestsInterval = .milliseconds(200)
            try? FileManager.default.createDirectory(atPath: dataDirectory + "/manifests", withIntermediateDirectories: true)
        }
        configure(&config)
        let agent = NodeAgent(client: client, runtime: runtime, configuration: config, logger: Logger(label: "agent"))
        tasks.append(Task { try await agent.run() })
    }

    /// Stops the agent (not the pods' containers), as killing the agent process would.
    mutating func stopAgent() async {
        let agentTask = tasks.removeLast()
        agentTask.cancel()
        _ = await agentTask.result
    }

    func stop() {
        for t in tasks.reversed() { t.cancel() }
        try? FileManager.default.removeItem(atPath: dataDirectory)
    }

    /// Polls until `check` holds; returns its last observed value for further checks.
    @discardableResult
    func eventually<T>(_ what: String, timeout: Duration = .seconds(15), _ check: () async throws -> T?) async throws -> T? {
        let deadline = ContinuousClock.now + timeout
        while ContinuousClock.now < deadline {
            if let v = try await check() { return v }
            try await Task.sleep(for: .milliseconds(25))
        }
        Issue.record("timed out waiting for \(what)")
        return nil
    }

    static func pod(_ name: String, restartPolicy: String = "Always", annotations: [String: String] = [:],
                    initContainers: [String] = [], containers: [String] = ["main"]) -> CoreV1.Pod {
        var p = CoreV1.Pod(metadata: MetaV1.ObjectMeta(name: name, namespace: "default"))
        p.metadata.annotations = annotations.isEmpty ? nil : annotations
        p.spec = CoreV1.PodSpec()
        p.spec?.nodeName = nodeName
        p.spec?.restartPolicy = restartPolicy
        func container(_ n: String) -> CoreV1.Container {
            var c = CoreV1.Container()
            c.name = n
            c.image = "busybox"
            c.command = ["sleep", "3600"]
            return c
        }
        p.spec?.containers = containers.map(container)
        if !initContainers.isEmpty { p.spec?.initContainers = initContainers.map(container) }
        return p
    }

    func pod(_ name: String) async throws -> CoreV1.Pod? {
        do { return try await client.get(CoreV1.Pod.self, namespace: "default", name: name) } catch let e as APIError where e.code == 404 {
            return nil
        }
    }

    func events(_ name: String) async throws -> [CoreV1.Event] {
        try await client.list(CoreV1.Event.self, namespace: "default").items.filter { $0.involvedObject?.name == name }
    }
}
