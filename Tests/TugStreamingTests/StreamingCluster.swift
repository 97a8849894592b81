import AsyncHTTPClient
import Foundation
import Logging
import NIOCore
import TugAPI
import TugAgent
import TugRuntime
import TugStore
@testable import TugAPIServer

/// An API server (in-memory store) and an agent server with a fake runtime, both on loopback
/// ports of their own, with a node pointing at the agent and pods bound to it:
/// `web` (container `app`, running), `two` (containers `a`, `b`, running) and `waiting`
/// (container `app`, waiting in ContainerCreating).
struct StreamingCluster {
    let core: APIServerCore
    let apiPort: Int
    let agentPort: Int
    let logPath: String
    let states: ContainerStates
    let echo: EchoServer
    private let tasks: [Task<Void, any Error>]

    var base: String { "http://127.0.0.1:\(apiPort)" }
    var wsBase: String { "ws://127.0.0.1:\(apiPort)" }

    static func start() async throws -> StreamingCluster {
        var logger = Logger(label: "streaming-test")
        logger.logLevel = ProcessInfo.processInfo.environment["TUG_STREAM_DEBUG"] != nil ? .debug : .warning
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("tug-stream-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        let logPath = dir.appendingPathComponent("0.log").path
        var log: [UInt8] = []
        for (i, text) in ["alpha", "beta", "gamma"].enumerated() {
            log += CRILogLine(time: Date(timeIntervalSince1970: 1_700_000_000 + Double(i)),
                              timestamp: "2023-11-14T22:13:2\(i).000000000Z", stream: .stdout, partial: false, content: Array(text.utf8)).encoded
        }
        try Data(log).write(to: URL(fileURLWithPath: logPath))

        let echo = try await EchoServer()
        let states = ContainerStates()
        let backend = FakeBackend(runtime: FakeRuntime(forwardTo: echo.port, states: states), logPath: logPath, previousLogPath: nil)
        let agentReady = PortBox()
        let agent = AgentServer(backend: backend, host: "127.0.0.1", port: 0, logger: logger) { await agentReady.set($0) }
        let core = APIServerCore(store: MemoryStore(), serverAddress: "http://127.0.0.1:0", logger: logger)
        let apiReady = PortBox()
        let api = APIServerService(core: core, host: "127.0.0.1", port: 0, logger: logger) { await apiReady.set($0) }
        let tasks = [Task { try await agent.run() }, Task { try await api.run() }]
        let agentPort = try await agentReady.wait()
        let apiPort = try await apiReady.wait()
        let cluster = StreamingCluster(core: core, apiPort: apiPort, agentPort: agentPort, logPath: logPath, states: states, echo: echo, tasks: tasks)
        try await cluster.seed()
        return cluster
    }

    func stop() async {
        for t in tasks { t.cancel() }
        for t in tasks { _ = try? await t.value }
        await echo.stop()
    }

    private func seed() async throws {
        let nodes = core.registry.handler(group: "", version: "v1", resource: "nodes")!
        let pods = core.registry.handler(group: "", version: "v1", resource: "pods")!
        _ = try await nodes.create(namespace: nil, body: ["apiVersion": "v1", "kind": "Node", "metadata": ["name": "node1"]], options: WriteOptions())
        let nodeStatus: JSONValue = [
            "addresses": [["type": "Hostname", "address": "node1.invalid"], ["type": "InternalIP", "address": "127.0.0.1"]],
            "daemonEndpoints": ["kubeletEndpoint": ["Port": .int(Int64(agentPort))]],
        ]
        _ = try await nodes.update(namespace: nil, name: "node1", body: ["apiVersion": "v1", "kind": "Node", "metadata": ["name": "node1"], "status": nodeStatus],
                                   subresource: "status", options: WriteOptions())
        let running: JSONValue = ["running": ["startedAt": "2023-11-14T22:13:20Z"]]
        let waiting: JSONValue = ["waiting": ["reason": "ContainerCreating"]]
        for (name, containers, state) in [("web", ["app"], running), ("two", ["a", "b"], running), ("waiting", ["app"], waiting)] {
            let spec: JSONValue = ["nodeName": "node1", "containers": .array(containers.map { ["name": .string($0), "image": "busybox"] })]
            let meta: JSONValue = ["name": .string(name), "namespace": "default"]
            _ = try await pods.create(namespace: "default", body: ["apiVersion": "v1", "kind": "Pod", "metadata": meta, "spec": spec], options: WriteOptions())
            let status: JSONValue = ["phase": state == running ? "Running" : "Pending",
                                     "containerStatuses": .array(containers.map { ["name": .string($0), "ready": true, "restartCount": 0, "image": "busybox", "imageID": "", "state": state] })]
            _ = try await pods.update(namespace: "default", name: name, body: ["apiVersion": "v1", "kind": "Pod", "metadata": meta, "spec": spec, "status": status],
                                      subresource: "status", options: WriteOptions())
        }
    }

    /// A GET through the API server: status and body text.
    func get(_ path: String) async throws -> (Int, String) {
        let response = try await HTTPClient.shared.execute(HTTPClientRequest(url: base + path), timeout: .seconds(30))
        let body = try await response.body.collect(upTo: 1 << 20)
        return (Int(response.status.code), String(buffer: body))
    }
}

/// A port handed over once a server listens.
actor PortBox {
    private var port: Int?
    func set(_ p: Int) { port = p }
    func wait() async throws -> Int {
        let deadline = ContinuousClock.now + .seconds(30)
        while ContinuousClock.now < deadline {
            if let port { return port }
            try await Task.sleep(for: .milliseconds(10))
        }
        throw CancellationError()
    }
}
