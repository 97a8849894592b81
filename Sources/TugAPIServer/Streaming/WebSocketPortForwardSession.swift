import Foundation
import HummingbirdWSClient
import HummingbirdWebSocket
import Logging
import NIOCore
import TugAPI

/// The older WebSocket port-forward (kubelet's, spoken by the Python client): one connection
/// per port listed in `?ports=`, port i on channels 2i (data) and 2i+1 (error), each channel
/// opened by the port number as two little-endian bytes. The protocol has no half-close: the
/// socket closes once every port's connection has ended (or when the client closes it).
struct WebSocketPortForwardSession: Sendable {
    var target: PodStreamingTarget
    var ports: [UInt16]
    var channelProtocol: ChannelProtocol

    /// The ports of `?ports=80,8080`; a missing or bad list is a 400.
    static func ports(_ query: StreamingQuery) throws -> [UInt16] {
        let raw = query.all("ports").flatMap { $0.split(separator: ",") }.map { $0.trimmingCharacters(in: .whitespaces) }
        guard !raw.isEmpty else { throw APIError.badRequest("query parameter \"ports\" is required") }
        return try raw.map { p in
            guard let n = UInt16(p), n > 0 else { throw APIError.badRequest("unable to parse \"\(p)\" as a port: must be between 1 and 65535") }
            return n
        }
    }

    func run(inbound: WebSocketInboundStream, outbound: WebSocketOutboundWriter, logger: Logger) async {
        let proto = channelProtocol
        var inputs: [AsyncStream<[UInt8]>.Continuation] = []
        var streams: [AsyncStream<[UInt8]>] = []
        for (i, port) in ports.enumerated() {
            let (s, c) = AsyncStream<[UInt8]>.makeStream()
            streams.append(s)
            inputs.append(c)
            for ch in [UInt8(2 * i), UInt8(2 * i + 1)] {
                try? await outbound.write(proto.toClient(ByteBuffer(bytes: [ch, UInt8(port & 0xFF), UInt8(port >> 8)])))
            }
        }
        let feeds = inputs, portStreams = streams, session = self
        await withTaskGroup(of: Void.self) { group in
            group.addTask {
                // Every port's connection; this task ends when all have.
                await withTaskGroup(of: Void.self) { connections in
                    for (i, port) in session.ports.enumerated() {
                        let stream = portStreams[i]
                        connections.addTask { await session.forward(index: i, port: port, input: stream, outbound: outbound, logger: logger) }
                    }
                }
            }
            group.addTask {
                // Client to pods, by channel.
                do {
                    for try await message in inbound.messages(maxSize: 1 << 24) {
                        guard let frame = proto.fromClient(message), let channel = frame.getInteger(at: frame.readerIndex, as: UInt8.self) else { continue }
                        let index = Int(channel / 2)
                        guard channel % 2 == 0, index < feeds.count else { continue }
                        feeds[index].yield(Array(frame.readableBytesView.dropFirst()))
                    }
                } catch {
                    logger.debug("port-forward: client side ended: \(error)")
                }
                for f in feeds { f.finish() }
            }
            await group.next()
            for f in feeds { f.finish() }
            group.cancelAll()
        }
    }

    func forward(index: Int, port: UInt16, input: AsyncStream<[UInt8]>, outbound: WebSocketOutboundWriter, logger: Logger) async {
        let proto = channelProtocol
        let data = UInt8(2 * index), errors = UInt8(2 * index + 1)
        let session: @Sendable (WebSocketInboundStream, WebSocketOutboundWriter) async -> Void = { agentIn, agentOut in
            await withTaskGroup(of: Void.self) { group in
                group.addTask {
                    for await bytes in input { try? await agentOut.write(.binary(ByteBuffer(bytes: bytes))) }
                }
                group.addTask {
                    do {
                        for try await message in agentIn.messages(maxSize: 1 << 24) {
                            switch message {
                            case .binary(let b) where b.readableBytes == 0:
                                return  // the pod closed its side: this connection is done
                            case .binary(let b):
                                try await outbound.write(proto.toClient(ByteBuffer(bytes: [data] + Array(b.readableBytesView))))
                            case .text(let error):
                                try await outbound.write(proto.toClient(ByteBuffer(bytes: [errors] + Array(error.utf8))))
                            }
                        }
                    } catch {
                        logger.debug("port-forward: agent side ended: \(error)")
                    }
                }
                await group.next()
                group.cancelAll()
            }
        }
        do {
            try await target.dialAgent(path: target.portForwardPath(port), logger: logger, session)
        } catch {
            let message = target.portForwardDialFailure(port, error)
            try? await outbound.write(proto.toClient(ByteBuffer(bytes: [errors] + Array(message.utf8))))
        }
    }
}
