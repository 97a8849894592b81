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
        let connection: any ByteConnection
        do {
            let sandbox = try await backend.sandbox(namespace: namespace, pod: pod)
            connection = try await backend.runtime.portForward(sandbox, port: port)
        } catch {
            let why = (error as? APIError)?.message ?? String(describing: error)
            try? await outbound.write(.text("error forwarding port \(port) to pod \(namespace)/\(pod): \(why)"))
            return
        }
        await withTaskGroup(of: Void.self) { group in
            group.addTask {
                // Pod to client, then an empty message for the pod's end of writing.
                do {
                    while let bytes = try await connection.read() {
                        if bytes.isEmpty { continue }
                        try await outbound.write(.binary(ByteBuffer(bytes: bytes)))
                    }
                    try await outbound.write(.binary(ByteBuffer()))
                } catch is CancellationError {
                } catch {
                    try? await outbound.write(.text("error forwarding port \(port) to pod \(namespace)/\(pod): \(error)"))
                }
            }
            // Client to pod, until the client closes the socket.
            do {
                for try await message in inbound.messages(maxSize: 1 << 24) {
                    guard case .binary(let buffer) = message else { continue }
                    if buffer.readableBytes == 0 {
                        await connection.closeWrite()
                    } else {
                        try await connection.write(Array(buffer.readableBytesView))
                    }
                }
            } catch {
                logger.debug("port-forward client stream ended: \(error)")
            }
            // Closing unblocks the pod-side read.
            await connection.close()
            group.cancelAll()
        }
    }
}

struct PortForwardQueryError: Error {
    var message: String
}
