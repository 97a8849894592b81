import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdWebSocket
import Logging
import NIOCore
import ServiceLifecycle
import TugAPI
import TugRuntime

/// The node agent's streaming server on the kubelet port (`--kubelet-port`, default 10250, bound
/// to the node's address): the API server relays `pods/log`, `pods/exec`, `pods/attach` and
/// `pods/portforward` here, as kube-apiserver does to kubelet.
///
/// The protocol between API server and agent (plain HTTP/1.1 and WebSocket, ours):
/// - `GET /containerLogs/{ns}/{pod}/{container}?follow&previous&tailLines&sinceSeconds&sinceTime&timestamps&limitBytes&stream`
///   answers 200 `text/plain` with the log as `kubectl logs` prints it, streamed while
///   following; errors are a `Status` with its code.
/// - `GET /exec/{ns}/{pod}/{container}?command=…&command=…&stdin=1&stdout=1&stderr=1&tty=1` and
///   `GET /attach/{ns}/{pod}/{container}?stdin=1&…` upgrade to a WebSocket carrying
///   `v5.channel.k8s.io` frames (see `AgentExecSession`); the last message is the channel-3
///   `Status`.
/// - `GET /portForward/{ns}/{pod}?port=N` upgrades to a WebSocket per TCP connection carrying
///   raw bytes (see `AgentPortForwardSession`).
/// - On every WebSocket the API server speaks first: its first message (a text message, which
///   the agent otherwise ignores) starts the session, and the agent writes nothing before it.
///   (A WebSocket client may lose frames that arrive together with the upgrade response.)
/// - `GET /stats/summary` answers the node's and pods' CPU and memory use (`StatsSummary`,
///   kubelet's summary shape), which the API server turns into `metrics.k8s.io`.
/// - `GET /healthz` answers `ok`.
public struct AgentServer: Service {
    let backend: any PodStreamingBackend
    let stats: @Sendable () async -> StatsSummary?
    let host: String
    let port: Int
    let logger: Logger
    let onReady: @Sendable (Int) async -> Void

    public static let defaultPort = 10250

    public init(backend: any PodStreamingBackend, host: String, port: Int = AgentServer.defaultPort, logger: Logger,
                onReady: @escaping @Sendable (Int) async -> Void = { _ in },
                stats: @escaping @Sendable () async -> StatsSummary? = { nil }) {
        self.backend = backend
        self.stats = stats
        self.host = host
        self.port = port
        self.logger = logger
        self.onReady = onReady
    }

    public func run() async throws {
        let backend = self.backend
        let app = Application(
            responder: AgentResponder(backend: backend, stats: stats),
            server: .http1WebSocketUpgrade(configuration: .init(ws: .init(maxFrameSize: 1 << 20, autoPing: .disabled))) { head, _, logger in
                Self.upgrade(head, backend: backend, logger: logger)
            },
            configuration: .init(address: .hostname(host, port: port), serverName: nil),
            onServerRunning: { [onReady] channel in await onReady(channel.localAddress?.port ?? 0) },
            logger: logger
        )
        do {
            try await cancelWhenGracefulShutdown {
                try await app.runService(gracefulShutdownSignals: [])
            }
        } catch is CancellationError {}
    }

    /// Which WebSocket requests become a session; anything else is refused (400).
    static func upgrade(_ head: HTTPRequest, backend: any PodStreamingBackend, logger: Logger)
        -> ShouldUpgradeResult<WebSocketDataHandler<HTTP1WebSocketUpgradeChannel.Context>> {
        let target = head.path ?? ""
        let parts = target.split(separator: "?", maxSplits: 1).map(String.init)
        guard head.method == .get, let path = AgentRequestPath(parts.first ?? ""), path.kind != .containerLogs else { return .dontUpgrade }
        let query = AgentRequestPath.query(parts.count > 1 ? parts[1] : nil)
        switch path.kind {
        case .exec, .attach:
            let session: AgentExecSession
            do {
                session = try AgentExecSession(namespace: path.namespace, pod: path.pod, container: path.container, query: query,
                                               attach: path.kind == .attach)
            } catch {
                let status = AgentError.status(error).status
                return .upgrade([:]) { _, outbound, _ in
                    try await outbound.write(.binary(AgentExecSession.frame(3, Array(status.serialized()))))
                }
            }
            return .upgrade([:]) { inbound, outbound, context in
                try await session.run(backend: backend, inbound: inbound, outbound: outbound, logger: context.logger)
            }
        case .portForward:
            do {
                let session = try AgentPortForwardSession(namespace: path.namespace, pod: path.pod, query: query)
                return .upgrade([:]) { inbound, outbound, context in
                    try await session.run(backend: backend, inbound: inbound, outbound: outbound, logger: context.logger)
                }
            } catch {
                let message = (error as? PortForwardQueryError)?.message ?? String(describing: error)
                return .upgrade([:]) { _, outbound, _ in try await outbound.write(.text(message)) }
            }
        case .containerLogs:
            return .dontUpgrade
        }
    }
}

/// The agent's plain HTTP routes: container logs and health.
struct AgentResponder: HTTPResponder {
    typealias Context = BasicRequestContext
    let backend: any PodStreamingBackend
    let stats: @Sendable () async -> StatsSummary?

    func respond(to request: Request, context: Context) async throws -> Response {
        do {
            if request.uri.path == "/healthz" {
                return Response(status: .ok, headers: [.contentType: "text/plain"], body: .init(byteBuffer: ByteBuffer(string: "ok")))
            }
            if request.uri.path == "/stats/summary" {
                guard let summary = await stats() else { throw APIError(code: 404, reason: "NotFound", message: "this agent keeps no stats") }
                return Response(status: .ok, headers: [.contentType: "application/json"],
                                body: .init(byteBuffer: ByteBuffer(bytes: try APICoding.encodeBytes(summary))))
            }
            guard let path = AgentRequestPath(request.uri.path) else {
                throw APIError(code: 404, reason: "NotFound", message: "the agent serves no \(request.uri.path)")
            }
            guard path.kind == .containerLogs else {
                throw APIError.badRequest("\(path.kind.rawValue) needs a WebSocket upgrade request")
            }
            guard request.method == .get else {
                throw APIError(code: 405, reason: "MethodNotAllowed", message: "\(request.method.rawValue) is not supported on container logs")
            }
            return try await logs(path, query: AgentRequestPath.query(request.uri.query))
        } catch {
            let e = AgentError.status(error)
            return Response(status: .init(code: e.code), headers: [.contentType: "application/json"],
                            body: .init(byteBuffer: ByteBuffer(bytes: Array(e.status.serialized()))))
        }
    }

    func logs(_ path: AgentRequestPath, query: [(String, String)]) async throws -> Response {
        let options = try ContainerLogOptions(query: Dictionary(query, uniquingKeysWith: { a, _ in a }))
        let c = try await backend.container(namespace: path.namespace, pod: path.pod, container: path.container)
        let name = path.container ?? ""
        let file: String
        if options.previous {
            guard let p = c.previousLogPath else {
                throw APIError.badRequest("previous terminated container \"\(name)\" in pod \"\(path.pod)\" not found")
            }
            file = p
        } else {
            file = c.logPath
        }
        guard access(file, R_OK) == 0 else {
            throw APIError.internalError("the log file \(file) of container \"\(name)\" in pod \"\(path.pod)\" cannot be read")
        }
        let runtime = backend.runtime
        let id = c.id
        let reader = ContainerLogReader(options: options)
        let body = ResponseBody { writer in
            try await reader.read(path: file, isRunning: {
                if options.previous { return false }
                return (try? await runtime.containerStatus(id).state) == .running
            }, write: { bytes in
                try await writer.write(ByteBuffer(bytes: bytes))
            })
            try await writer.finish(nil)
        }
        return Response(status: .ok, headers: [.contentType: "text/plain"], body: body)
    }
}
