import NIOCore
import NIOPosix
import Synchronization

/// Backends behind the userspace proxy in tests: a TCP server that greets each connection with
/// its name and a newline, echoes what it reads, and closes after the client's EOF; a UDP server
/// that answers each datagram with `NAME:PAYLOAD`.
final class UserspaceTestBackend: Sendable {
    let name: String
    let port: Int
    private let channel: any Channel

    private init(name: String, port: Int, channel: any Channel) {
        self.name = name
        self.port = port
        self.channel = channel
    }

    static func tcp(_ name: String) async throws -> UserspaceTestBackend {
        let channel = try await ServerBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .childChannelOption(.allowRemoteHalfClosure, value: true)
            .childChannelInitializer { child in
                child.eventLoop.makeCompletedFuture { try child.pipeline.syncOperations.addHandler(TCPEcho(name: name)) }
            }
            .bind(host: "127.0.0.1", port: 0).get()
        return UserspaceTestBackend(name: name, port: channel.localAddress?.port ?? 0, channel: channel)
    }

    static func udp(_ name: String) async throws -> UserspaceTestBackend {
        let channel = try await DatagramBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .channelInitializer { ch in
                ch.eventLoop.makeCompletedFuture { try ch.pipeline.syncOperations.addHandler(UDPEcho(name: name)) }
            }
            .bind(host: "127.0.0.1", port: 0).get()
        return UserspaceTestBackend(name: name, port: channel.localAddress?.port ?? 0, channel: channel)
    }

    func stop() async { try? await channel.close() }

    private final class TCPEcho: ChannelInboundHandler {
        typealias InboundIn = ByteBuffer
        typealias OutboundOut = ByteBuffer
        let name: String
        init(name: String) { self.name = name }

        func channelActive(context: ChannelHandlerContext) {
            context.writeAndFlush(wrapOutboundOut(ByteBuffer(string: name + "\n")), promise: nil)
        }

        func channelRead(context: ChannelHandlerContext, data: NIOAny) {
            context.writeAndFlush(data, promise: nil)
        }

        func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
            // Closes once the echo still queued is out (closing now would drop it).
            guard let event = event as? ChannelEvent, event == .inputClosed else { return }
            let channel = context.channel
            context.writeAndFlush(wrapOutboundOut(ByteBuffer())).whenComplete { _ in channel.close(promise: nil) }
        }

        func errorCaught(context: ChannelHandlerContext, error: any Error) { context.close(promise: nil) }
    }

    private final class UDPEcho: ChannelInboundHandler {
        typealias InboundIn = AddressedEnvelope<ByteBuffer>
        typealias OutboundOut = AddressedEnvelope<ByteBuffer>
        let name: String
        init(name: String) { self.name = name }

        func channelRead(context: ChannelHandlerContext, data: NIOAny) {
            let envelope = unwrapInboundIn(data)
            var reply = ByteBuffer(string: name + ":")
            reply.writeImmutableBuffer(envelope.data)
            context.writeAndFlush(wrapOutboundOut(AddressedEnvelope(remoteAddress: envelope.remoteAddress, data: reply)), promise: nil)
        }
    }
}

/// What a TCP client got from a connection.
enum UserspaceTCPOutcome: Equatable, CustomStringConvertible {
    /// Everything read until the connection ended.
    case data(String)
    /// Connected, then closed or reset with nothing read: the proxy refused.
    case closedEmpty
    /// The connect itself failed: nobody listens, or (on loopback, where the handshake is
    /// instant) the proxy's reset came before the client saw the connection complete.
    case connectFailed

    /// What a client of a port with no endpoint sees: no data, at once (the 5 s read limit
    /// turns a hanging connection into a thrown timeout).
    var isRefusal: Bool { self == .closedEmpty || self == .connectFailed }

    var description: String {
        switch self {
        case .data(let s): "data \(s.debugDescription)"
        case .closedEmpty: "closed without data"
        case .connectFailed: "connect failed"
        }
    }
}

/// TCP and UDP clients for the proxy, every wait bounded.
enum UserspaceTestClient {
    static func connect(_ port: Int, host: String = "127.0.0.1") async throws -> NIOAsyncChannel<ByteBuffer, ByteBuffer> {
        try await ClientBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .connectTimeout(.seconds(3))
            .channelOption(.allowRemoteHalfClosure, value: true)
            .connect(host: host, port: port) { channel in
                channel.eventLoop.makeCompletedFuture {
                    try NIOAsyncChannel<ByteBuffer, ByteBuffer>(wrappingChannelSynchronously: channel,
                                                                configuration: .init(isOutboundHalfClosureEnabled: true))
                }
            }
    }

    /// The name of the backend that answers a new connection (its first line).
    static func whoAnswers(_ port: Int, host: String = "127.0.0.1") async throws -> String {
        let channel = try await connect(port, host: host)
        return try await channel.executeThenClose { inbound, _ in
            let text = try await withTimeout(.seconds(5)) {
                var text = ""
                for try await chunk in inbound {
                    text += String(buffer: chunk)
                    if text.contains("\n") { break }
                }
                return text
            }
            return String(text.prefix { $0 != "\n" })
        }
    }

    /// Sends `text`, optionally shuts the sending side, and reads (from `readAfter` on) until
    /// the connection ends (or `readUntil` appears in what was read, then closes).
    static func exchange(_ port: Int, host: String = "127.0.0.1", send text: String?, halfClose: Bool,
                         readUntil: String? = nil, readAfter delay: Duration? = nil) async throws -> UserspaceTCPOutcome {
        let channel: NIOAsyncChannel<ByteBuffer, ByteBuffer>
        do { channel = try await connect(port, host: host) } catch { return .connectFailed }
        return try await channel.executeThenClose { inbound, outbound in
            // Written alongside the reads: a large echo would otherwise fill every buffer on the way and stall.
            let progress = Mutex((sent: false, received: 0))
            let sending = Task {
                if let text { try await outbound.write(ByteBuffer(string: text)) }
                if halfClose { outbound.finish() }
                progress.withLock { $0.sent = true }
            }
            defer { sending.cancel() }
            // A client slow to read leaves the proxy holding data when the backend closes.
            if let delay { try await Task.sleep(for: delay) }
            do {
                let received = try await withTimeout(.seconds(5)) {
                    var received = ""
                    do {
                        for try await chunk in inbound {
                            received += String(buffer: chunk)
                            progress.withLock { $0.received += chunk.readableBytes }
                            if let readUntil, received.contains(readUntil) { break }
                        }
                    } catch {
                        // A reset: what came before it counts.
                    }
                    return received
                }
                return received.isEmpty ? .closedEmpty : .data(received)
            } catch is UserspaceTestTimeout {
                let (sent, count) = progress.withLock { ($0.sent, $0.received) }
                throw UserspaceTestTimeout(what: "the end of a connection to \(host):\(port) (all sent: \(sent), \(count) bytes read)")
            }
        }
    }

    /// A UDP socket on 127.0.0.1 for several exchanges.
    static func udpSocket() async throws -> NIOAsyncChannel<AddressedEnvelope<ByteBuffer>, AddressedEnvelope<ByteBuffer>> {
        try await DatagramBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .bind(host: "127.0.0.1", port: 0) { channel in
                channel.eventLoop.makeCompletedFuture {
                    try NIOAsyncChannel<AddressedEnvelope<ByteBuffer>, AddressedEnvelope<ByteBuffer>>(wrappingChannelSynchronously: channel)
                }
            }
    }

    /// Runs `body`, throwing `UserspaceTestTimeout` when it takes longer than `limit`.
    static func withTimeout<T: Sendable>(_ limit: Duration, _ body: @escaping @Sendable () async throws -> T) async throws -> T {
        try await withThrowingTaskGroup(of: T?.self) { group in
            group.addTask { try await body() }
            group.addTask {
                try await Task.sleep(for: limit)
                return nil
            }
            defer { group.cancelAll() }
            guard let first = try await group.next(), let value = first else { throw UserspaceTestTimeout(what: "an operation (\(limit))") }
            return value
        }
    }
}
