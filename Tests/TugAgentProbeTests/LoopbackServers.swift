import Foundation
import NIOCore
import NIOHTTP1
import NIOPosix
import Synchronization

/// One request the test HTTP server saw.
struct SeenRequest: Sendable {
    var uri: String
    var headers: [(String, String)]

    func header(_ name: String) -> [String] {
        headers.filter { $0.0.lowercased() == name.lowercased() }.map(\.1)
    }
}

/// A loopback HTTP/1.1 server for probe tests. Paths:
/// `/status/N` answers N with body `status N`; `/redirect?to=URL` answers 302 to URL with body
/// `moved`; `/hang` never answers; `/big` answers 200 with 64 KiB of `x`; anything else 200 `ok`.
final class TestHTTPServer: Sendable {
    let channel: any Channel
    let port: Int
    private let log: Recorder

    var requests: [SeenRequest] { log.requests.withLock { $0 } }

    private init(channel: any Channel, log: Recorder) {
        self.channel = channel
        self.port = channel.localAddress?.port ?? 0
        self.log = log
    }

    static func start() async throws -> TestHTTPServer {
        let log = Recorder()
        let channel = try await ServerBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .childChannelInitializer { child in
                child.eventLoop.makeCompletedFuture {
                    try child.pipeline.syncOperations.configureHTTPServerPipeline()
                    try child.pipeline.syncOperations.addHandler(Handler(log: log))
                }
            }
            .bind(host: "127.0.0.1", port: 0).get()
        return TestHTTPServer(channel: channel, log: log)
    }

    func url(_ path: String) -> String { "http://127.0.0.1:\(port)\(path)" }

    func stop() async {
        try? await channel.close().get()
    }

    final class Recorder: Sendable {
        let requests = Mutex<[SeenRequest]>([])
        func record(_ request: SeenRequest) { requests.withLock { $0.append(request) } }
    }

    private final class Handler: ChannelInboundHandler {
        typealias InboundIn = HTTPServerRequestPart
        typealias OutboundOut = HTTPServerResponsePart
        let log: Recorder
        var head: HTTPRequestHead?

        init(log: Recorder) { self.log = log }

        func channelRead(context: ChannelHandlerContext, data: NIOAny) {
            switch unwrapInboundIn(data) {
            case .head(let h):
                head = h
            case .body:
                break
            case .end:
                guard let head else { return }
                log.record(SeenRequest(uri: head.uri, headers: head.headers.map { ($0.name, $0.value) }))
                respond(context: context, to: head)
            }
        }

        private func respond(context: ChannelHandlerContext, to head: HTTPRequestHead) {
            let path = head.uri.split(separator: "?", maxSplits: 1).first.map(String.init) ?? head.uri
            var status = 200
            var body = "ok"
            var headers = HTTPHeaders()
            if path.hasPrefix("/status/"), let code = Int(path.dropFirst("/status/".count)) {
                status = code
                body = "status \(code)"
            } else if path == "/redirect", let target = URLComponents(string: head.uri)?.queryItems?.first(where: { $0.name == "to" })?.value {
                status = 302
                body = "moved"
                headers.add(name: "Location", value: target)
            } else if path == "/hang" {
                return
            } else if path == "/big" {
                body = String(repeating: "x", count: 64 * 1024)
            }
            headers.add(name: "Content-Length", value: String(body.utf8.count))
            headers.add(name: "Connection", value: "close")
            let responseHead = HTTPResponseHead(version: .http1_1, status: HTTPResponseStatus(statusCode: status), headers: headers)
            context.write(wrapOutboundOut(.head(responseHead)), promise: nil)
            context.write(wrapOutboundOut(.body(.byteBuffer(context.channel.allocator.buffer(string: body)))), promise: nil)
            // The client closes: the answer says `Connection: close`.
            context.writeAndFlush(wrapOutboundOut(.end(nil)), promise: nil)
        }
    }
}

/// A loopback TCP listener that accepts and holds connections.
struct TestTCPListener {
    let channel: any Channel
    var port: Int { channel.localAddress?.port ?? 0 }

    static func start() async throws -> TestTCPListener {
        let channel = try await ServerBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .bind(host: "127.0.0.1", port: 0).get()
        return TestTCPListener(channel: channel)
    }

    func stop() async { try? await channel.close().get() }
}

/// A loopback port nothing listens on: bound once, then closed.
func closedLoopbackPort() async throws -> Int {
    let listener = try await TestTCPListener.start()
    let port = listener.port
    await listener.stop()
    return port
}
