import Foundation
import Hummingbird
import Logging
import NIOCore
import NIOHTTP1
import NIOPosix
import NIOSSL
import Testing
import TugAPI
import TugAPIServer
import TugClient
import TugInProcess
import TugStore
@testable import TugNetwork

/// An in-process API server (no controllers: tests write Services and EndpointSlices
/// themselves) for the Ingress controller's end-to-end tests.
struct IngressTestCluster {
    let client: APIClient
    let feed: Task<Void, any Error>

    static func start() async throws -> IngressTestCluster {
        let core = APIServerCore(store: MemoryStore(), serverAddress: "http://127.0.0.1:0", logger: Logger(label: "test"))
        try await core.bootstrap()
        let dispatcher = core.dispatcher
        let feed = Task { try await dispatcher.run() }
        return IngressTestCluster(client: APIClient(transport: InProcessTransport(core: core), fieldManager: "tests"), feed: feed)
    }

    func stop() { feed.cancel() }
}

/// Polls (generously: CI machines are slow) until `check` holds; records an issue on timeout.
func eventually(_ what: String, timeout: Duration = .seconds(20), _ check: () async throws -> Bool) async throws {
    let deadline = ContinuousClock.now + timeout
    while ContinuousClock.now < deadline {
        if try await check() { return }
        try await Task.sleep(for: .milliseconds(25))
    }
    Issue.record("timed out waiting for \(what)")
}

/// A tiny HTTP backend on 127.0.0.1 that answers every request with JSON describing it: its
/// own name, the path, the forwarding headers it got, the proxy connection's port (to see
/// connection reuse) and how many body bytes arrived.
struct EchoBackend: HTTPResponder {
    typealias Context = IngressRequestContext
    let name: String

    func respond(to request: Request, context: Context) async throws -> Response {
        let body = try await request.body.collect(upTo: 16 << 20)
        let reply: [String: String] = [
            "backend": name,
            "path": request.head.path ?? "",
            "host": request.head.authority ?? "",
            "xff": request.headers[values: .init("X-Forwarded-For")!].joined(separator: ","),
            "xfh": request.headers[values: .init("X-Forwarded-Host")!].joined(separator: ","),
            "xfp": request.headers[values: .init("X-Forwarded-Proto")!].joined(separator: ","),
            "peerPort": String(context.remoteAddress?.port ?? -1),
            "bodyBytes": String(body.readableBytes),
        ]
        let data = try JSONSerialization.data(withJSONObject: reply, options: [.sortedKeys])
        var headers = HTTPFields()
        headers[.contentType] = "application/json"
        return Response(status: .ok, headers: headers, body: ResponseBody(byteBuffer: ByteBuffer(bytes: data)))
    }

    /// Starts the backend on a free port of 127.0.0.1; returns the port and the running task.
    static func start(_ name: String) async throws -> (port: Int, task: Task<Void, any Error>) {
        let bound = IngressListeners()
        let app = Application(responder: EchoBackend(name: name),
                              configuration: ApplicationConfiguration(address: .hostname("127.0.0.1", port: 0)),
                              onServerRunning: { await bound.set(http: $0.localAddress?.port) },
                              logger: Logger(label: "echo-\(name)"))
        let task = Task { try await app.run() }
        let port = try #require(await bound.wait().http, "backend \(name) did not start")
        return (port, task)
    }
}

/// One HTTP/1.1 connection that sends requests one after another on the same socket and
/// reads each response whole: how the tests see keep-alive.
struct KeepAliveConnection {
    struct Reply {
        let status: Int
        let headers: HTTPHeaders
        let body: String
    }

    /// Sends `requests` (host, path) in order over one connection to 127.0.0.1:`port`, over
    /// TLS with `tls` (a client context and the SNI name to send) when given.
    static func exchange(port: Int, tls: (context: NIOSSLContext, serverName: String)? = nil,
                         _ requests: [(host: String, path: String)]) async throws -> [Reply] {
        let channel = try await ClientBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .connect(host: "127.0.0.1", port: port) { channel in
                channel.eventLoop.makeCompletedFuture {
                    if let tls {
                        try channel.pipeline.syncOperations.addHandler(NIOSSLClientHandler(context: tls.context, serverHostname: tls.serverName))
                    }
                    try channel.pipeline.syncOperations.addHTTPClientHandlers()
                    return try NIOAsyncChannel<HTTPClientResponsePart, HTTPClientRequestPart>(wrappingChannelSynchronously: channel)
                }
            }
        return try await channel.executeThenClose { inbound, outbound in
            var replies: [Reply] = []
            var parts = inbound.makeAsyncIterator()
            for request in requests {
                var head = HTTPRequestHead(version: .http1_1, method: .GET, uri: request.path)
                head.headers.add(name: "Host", value: request.host)
                try await outbound.write(.head(head))
                try await outbound.write(.end(nil))
                var status = 0
                var headers = HTTPHeaders()
                var body = ByteBuffer()
                reading: while let part = try await parts.next() {
                    switch part {
                    case .head(let h):
                        status = Int(h.status.code)
                        headers = h.headers
                    case .body(var chunk):
                        body.writeBuffer(&chunk)
                    case .end:
                        break reading
                    }
                }
                replies.append(Reply(status: status, headers: headers, body: String(buffer: body)))
            }
            return replies
        }
    }
}
