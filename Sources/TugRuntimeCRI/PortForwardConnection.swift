import Logging
import TugRuntime

/// A forwarded TCP connection over the runtime's port-forward WebSocket: channel 0 carries the
/// data, channel 1 an error message; the server starts each with the port number (2 bytes,
/// little-endian), which is not data.
final class PortForwardConnection: ByteConnection {
    private let socket: ChannelWebSocket
    private let incoming: ChunkQueue
    private let pump: Task<Void, Never>

    private init(socket: ChannelWebSocket, incoming: ChunkQueue, pump: Task<Void, Never>) {
        self.socket = socket
        self.incoming = incoming
        self.pump = pump
    }

    deinit {
        pump.cancel()
        socket.close()
    }

    static func open(url: String, port: UInt16, logger: Logger) async throws -> PortForwardConnection {
        // The streaming server reads the port from the query for WebSocket requests.
        let socket = try await ChannelWebSocket.connect(url: url, query: "port=\(port)", subprotocols: ChannelWebSocket.portForwardProtocol,
                                                        logger: logger)
        let incoming = ChunkQueue()
        let pump = Task {
            var prefixLeft: [UInt8: Int] = [0: 2, 1: 2]
            var errorText: [UInt8] = []
            do {
                for try await frame in socket.frames {
                    var payload = frame.payload[...]
                    if let left = prefixLeft[frame.channel], left > 0 {
                        let skipped = min(left, payload.count)
                        payload = payload.dropFirst(skipped)
                        prefixLeft[frame.channel] = left - skipped
                    }
                    guard !payload.isEmpty else { continue }
                    switch frame.channel {
                    case 0: await incoming.push(Array(payload))
                    case 1: errorText += payload
                    default: continue
                    }
                }
                if errorText.isEmpty {
                    await incoming.finish()
                } else {
                    await incoming.finish(throwing: RuntimeError.failed(String(decoding: errorText, as: UTF8.self)))
                }
            } catch {
                await incoming.finish(throwing: error)
            }
        }
        return PortForwardConnection(socket: socket, incoming: incoming, pump: pump)
    }

    func read() async throws -> [UInt8]? {
        try await incoming.next()
    }

    func write(_ bytes: [UInt8]) async throws {
        guard await !incoming.isClosedByCaller else { throw RuntimeError.failed("write to a closed port-forward connection") }
        if !bytes.isEmpty { socket.send(channel: 0, bytes) }
    }

    /// The v4 port-forward protocol cannot half-close: the connection stays open for writing
    /// on the pod's side until `close()`; reads go on.
    func closeWrite() async {}

    func close() async {
        await incoming.closeByCaller()
        socket.close()
    }
}
