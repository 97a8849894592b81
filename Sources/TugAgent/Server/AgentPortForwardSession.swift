import Foundation
import HummingbirdWebSocket
import Logging
import NIOCore
import TugAPI
import TugRuntime

/// One forwarded TCP connection on the agent, over its own WebSocket: binary messages both ways
/// are the connection's bytes; an empty binary message means the sender has nothing more to
/// write (half-close); a text message from the agent is the error that ended the connection
/// (kubelet's wording), after which it closes the socket.
struct AgentPortForwardSession: Sendable {
    var namespace: String
    var pod: String
    var port: UInt16

    init(namespace: String, pod: String, query: [(String, String)]) throws {
        self.namespace = namespace
        self.pod = pod
        guard let raw = query.last(where: { $0.0 == "port" })?.1 else {
            throw PortForwardQueryError(message: "a port to forward is required (?port=N)")
        }
        guard let p = UInt16(raw), p > 0 else {
            throw PortForwardQueryError(message: "invalid port \"\(raw)\": must be a number between 1 and 65535")
        }
        port = p
    }

    func run(backend: any PodStreamingBackend, inbound: WebSocketInboundStream, outbound: WebSocketOutboundWriter, logger: Logger) async throws {
        let (started, startInput) = AsyncStream<Void>.makeStream()
        let (toPod, toPodInput) = AsyncStream<[UInt8]?>.makeStream()  // nil: the client's EOF
        let session = self
        await withTaskGroup(of: Void.self) { group in
            group.addTask {
                // Nothing is written before the API server's first message (see AgentServer).
                var waiting = started.makeAsyncIterator()
                _ = await waiting.next()
                let connection: any ByteConnection
                do {
                    let sandbox = try await backend.sandbox(namespace: session.namespace, pod: session.pod)
                    connection = try await backend.runtime.portForward(sandbox, port: session.port)
                } catch {
                    let why = (error as? APIError)?.message ?? String(describing: error)
                    try? await outbound.write(.text("error forwarding port \(session.port) to pod \(session.namespace)/\(session.pod): \(why)"))
                    return
                }
                await withTaskGroup(of: Void.self) { pipes in
                    pipes.addTask {
                        // Client to pod.
                        for await bytes in toPod {
                            if let bytes { try? await connection.write(bytes) } else { await connection.closeWrite() }
                        }
                        // The client closed the socket: closing unblocks the pod-side read.
                        await connection.close()
                    }
                    // Pod to client, then an empty message for the pod's end of writing.
                    do {
                        while let bytes = try await connection.read() {
                            if bytes.isEmpty { continue }
                            try await outbound.write(.binary(ByteBuffer(bytes: bytes)))
                        }
                        try await outbound.write(.binary(ByteBuffer()))
                    } catch is CancellationError {
                    } catch {
                        try? await outbound.write(.text("error forwarding port \(session.port) to pod \(session.namespace)/\(session.pod): \(error)"))
                    }
                    await pipes.waitForAll()
                }
            }
            group.addTask {
                // The client's messages: the start message (text), then bytes, until it closes.
                do {
                    for try await message in inbound.messages(maxSize: 1 << 24) {
                        startInput.finish()
                        guard case .binary(let buffer) = message else { continue }
                        toPodInput.yield(buffer.readableBytes == 0 ? nil : Array(buffer.readableBytesView))
                    }
                } catch {
                    logger.debug("port-forward client stream ended: \(error)")
                }
                startInput.finish()
                toPodInput.finish()
            }
            // The client leaving, or the connection failing, ends the session.
            await group.next()
            startInput.finish()
            toPodInput.finish()
            group.cancelAll()
        }
    }
}

struct PortForwardQueryError: Error {
    var message: String
}
