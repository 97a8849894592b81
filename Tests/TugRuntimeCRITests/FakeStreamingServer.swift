import Foundation
import Hummingbird
import HummingbirdWebSocket
import Logging
import NIOCore

/// A stand-in for containerd's streaming server on loopback, speaking the v4 channel protocol
/// the way it does: an empty frame on the first output channel when the session opens, the
/// Status JSON on channel 3 at the end of exec/attach, and the port prefix on port-forward.
actor FakeStreamingServer {
    /// Speaks v5 (stdin half-close) as well as v4.
    let v5: Bool
    private(set) var subprotocols: [String] = []
    private(set) var paths: [String] = []
    private(set) var resizes: [String] = []
    private var task: Task<Void, Never>?

    init(v5: Bool = false) { self.v5 = v5 }

    func record(subprotocol: String, path: String) {
        subprotocols.append(subprotocol)
        paths.append(path)
    }

    func recordResize(_ text: String) { resizes.append(text) }

    /// Starts the server; returns its base URL (`http://127.0.0.1:PORT`).
    func start() async throws -> String {
        let (ports, portSignal) = AsyncStream<Int>.makeStream()
        let server = self
        let v5 = self.v5
        var logger = Logger(label: "fake-streaming")
        logger.logLevel = .critical
        let app = Application(
            router: Router(),
            server: .http1WebSocketUpgrade(configuration: .init(ws: .init(maxFrameSize: 1 << 20, autoPing: .disabled))) { head, _, _ in
                let path = head.path ?? ""
                let offered = head.headerFields[.secWebSocketProtocol] ?? ""
                // Like containerd's handshake: the first offered protocol it knows.
                let known = v5 ? ["v5.channel.k8s.io", "v4.channel.k8s.io"] : ["v4.channel.k8s.io"]
                let chosen = offered.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }.first(where: known.contains) ?? ""
                return .upgrade([.secWebSocketProtocol: chosen]) { inbound, outbound, _ in
                    await server.record(subprotocol: offered, path: path)
                    try await Self.session(path: path, v5: chosen.hasPrefix("v5."), inbound: inbound, outbound: outbound, server: server)
                }
            },
            configuration: .init(address: .hostname("127.0.0.1", port: 0), serverName: nil),
            onServerRunning: { channel in portSignal.yield(channel.localAddress?.port ?? 0) },
            logger: logger
        )
        task = Task {
            try? await app.runService(gracefulShutdownSignals: [])
        }
        var iterator = ports.makeAsyncIterator()
        guard let port = await iterator.next() else { throw FixtureError("the fake streaming server did not start") }
        return "http://127.0.0.1:\(port)"
    }

    func stop() {
        task?.cancel()
    }

    static func frame(_ channel: UInt8, _ text: String) -> WebSocketOutboundWriter.OutboundFrame {
        .binary(ByteBuffer(bytes: [channel] + Array(text.utf8)))
    }

    static func session(path: String, v5: Bool, inbound: WebSocketInboundStream, outbound: WebSocketOutboundWriter, server: FakeStreamingServer) async throws {
        if path.hasPrefix("/exec/") {
            // Echoes stdin on stdout until a "q" (or, under v5, stdin's close), reports resizes,
            // warns on stderr, exits 5. Under v4 a close signal is a frame for no channel: ignored.
            try await outbound.write(frame(1, ""))
            for try await message in inbound.messages(maxSize: 1 << 20) {
                guard case .binary(let buffer) = message, let channel = buffer.readableBytesView.first else { continue }
                if v5, channel == 255, Array(buffer.readableBytesView.dropFirst()) == [0] { break }
                let text = String(decoding: buffer.readableBytesView.dropFirst(), as: UTF8.self)
                if channel == 4 { await server.recordResize(text); continue }
                guard channel == 0 else { continue }
                if text == "q" { break }
                try await outbound.write(frame(1, text))
            }
            try await outbound.write(frame(2, "warn"))
            try await outbound.write(frame(3, #"{"metadata":{},"status":"Failure","message":"command terminated with non-zero exit code: error executing command [sh], exit code 5","reason":"NonZeroExitCode","details":{"causes":[{"reason":"ExitCode","message":"5"}]}}"#))
        } else if path.hasPrefix("/attach/") {
            try await outbound.write(frame(1, ""))
            try await outbound.write(frame(1, "attached"))
            // Ends when the caller's stdin ends (the caller closes the socket).
            for try await _ in inbound.messages(maxSize: 1 << 20) {}
        } else if path.hasPrefix("/portforward/") {
            let port: UInt16 = path.hasSuffix("?port=8080") ? 8080 : 0
            try await outbound.write(.binary(ByteBuffer(bytes: [0, UInt8(port & 0xFF), UInt8(port >> 8)])))
            try await outbound.write(.binary(ByteBuffer(bytes: [1, UInt8(port & 0xFF), UInt8(port >> 8)])))
            guard port == 8080 else {
                try await outbound.write(frame(1, "port missing from \(path)"))
                return
            }
            for try await message in inbound.messages(maxSize: 1 << 20) {
                guard case .binary(let buffer) = message, buffer.readableBytesView.first == 0 else { continue }
                let text = String(decoding: buffer.readableBytesView.dropFirst(), as: UTF8.self)
                try await outbound.write(frame(0, "echo:" + text))
                if text == "bye" { return }
            }
        }
    }
}
