import HTTPTypes
import HummingbirdWSClient
import Logging
import NIOCore
import TugRuntime

/// A WebSocket client speaking Kubernetes' channel protocol (`v4.channel.k8s.io`, or v5 where
/// the server has it) to the runtime's streaming server: every binary message starts with one
/// byte naming its channel (0 stdin, 1 stdout, 2 stderr, 3 status, 4 resize for exec/attach;
/// 0 data, 1 error for a forwarded port), the rest is payload. The server closes the socket
/// when the session ends.
///
/// Only v5 can half-close a channel (message `[255, channel]`); containerd 1.6 speaks v4, where
/// input can only end by closing the whole socket, and ignores that message.
final class ChannelWebSocket: Sendable {
    struct Frame: Sendable {
        var channel: UInt8
        var payload: [UInt8]
    }

    /// What exec and attach offer, best first; the server picks the first it knows.
    static let remoteCommandProtocols = "v5.channel.k8s.io, v4.channel.k8s.io"
    /// What port-forward offers (v5 is a remote-command protocol only).
    static let portForwardProtocol = "v4.channel.k8s.io"
    /// The v5 message prefix that closes the channel named by the next byte.
    static let closeSignal: UInt8 = 255

    /// Messages from the server, in order; finishes when the server closes the socket.
    let frames: AsyncThrowingStream<Frame, any Error>
    private let outgoing: AsyncStream<[UInt8]>.Continuation
    private let runner: Task<Void, Never>

    private init(frames: AsyncThrowingStream<Frame, any Error>, outgoing: AsyncStream<[UInt8]>.Continuation, runner: Task<Void, Never>) {
        self.frames = frames
        self.outgoing = outgoing
        self.runner = runner
    }

    deinit {
        outgoing.finish()
    }

    /// Dials `url` (the `http://` URL CRI returned; `query` is appended) and returns once the
    /// upgrade succeeded, or throws saying why it did not.
    static func connect(url: String, query: String = "", subprotocols: String, logger: Logger) async throws -> ChannelWebSocket {
        let target = try webSocketURL(url, query: query)
        let (frames, inbound) = AsyncThrowingStream<Frame, any Error>.makeStream()
        let (outgoingStream, outgoing) = AsyncStream<[UInt8]>.makeStream()
        let (ready, readySignal) = AsyncThrowingStream<Void, any Error>.makeStream()
        var headers = HTTPFields()
        headers[.secWebSocketProtocol] = subprotocols
        headers[.origin] = "http://127.0.0.1"
        let client = WebSocketClient(url: target, configuration: .init(maxFrameSize: 1 << 20, additionalHeaders: headers),
                                     logger: logger) { serverIn, serverOut, _ in
            readySignal.yield(())
            readySignal.finish()
            await withTaskGroup(of: Void.self) { group in
                group.addTask {
                    do {
                        for try await message in serverIn.messages(maxSize: 1 << 24) {
                            guard case .binary(let buffer) = message, let channel = buffer.readableBytesView.first else { continue }
                            inbound.yield(Frame(channel: channel, payload: Array(buffer.readableBytesView.dropFirst())))
                        }
                        inbound.finish()
                    } catch is CancellationError {
                        // This side closed the session: the end, not a failure.
                        inbound.finish()
                    } catch {
                        inbound.finish(throwing: Task.isCancelled ? nil : error)
                    }
                }
                group.addTask {
                    for await frame in outgoingStream {
                        do {
                            try await serverOut.write(.binary(ByteBuffer(bytes: frame)))
                        } catch {
                            logger.debug("streaming socket write failed: \(error)")
                            return
                        }
                    }
                }
                // The server closing, or the caller closing (outgoing finished), ends the session.
                await group.next()
                group.cancelAll()
            }
            inbound.finish()
        }
        let runner = Task {
            do {
                try await client.run()
                readySignal.finish()
            } catch {
                readySignal.finish(throwing: RuntimeError.failed("cannot open the runtime's streaming session at \(target): \(error)"))
                inbound.finish(throwing: RuntimeError.failed("the runtime's streaming session at \(target) failed: \(error)"))
            }
            inbound.finish()
        }
        let socket = ChannelWebSocket(frames: frames, outgoing: outgoing, runner: runner)
        var waiting = ready.makeAsyncIterator()
        guard try await waiting.next() != nil else {
            throw RuntimeError.failed("the runtime's streaming server at \(target) closed the connection before the session started")
        }
        return socket
    }

    /// `http://host:port/exec/TOKEN` → `ws://host:port/exec/TOKEN?query`.
    static func webSocketURL(_ url: String, query: String) throws -> String {
        var target: String
        if url.hasPrefix("http://") {
            target = "ws://" + url.dropFirst("http://".count)
        } else if url.hasPrefix("https://") {
            target = "wss://" + url.dropFirst("https://".count)
        } else if url.hasPrefix("ws://") || url.hasPrefix("wss://") {
            target = url
        } else {
            throw RuntimeError.failed("the runtime returned a streaming URL that is not http(s): \(url)")
        }
        if !query.isEmpty { target += (target.contains("?") ? "&" : "?") + query }
        return target
    }

    /// Queues one message on `channel`.
    func send(channel: UInt8, _ payload: [UInt8]) {
        outgoing.yield([channel] + payload)
    }

    /// Half-closes `channel` (v5); a v4 server ignores this, having no channel 255.
    func closeChannel(_ channel: UInt8) {
        outgoing.yield([Self.closeSignal, channel])
    }

    /// Ends the session from this side: queued messages are sent, then the socket closes.
    func close() {
        outgoing.finish()
    }

    /// Waits until the socket is closed.
    func closed() async {
        await runner.value
    }
}
