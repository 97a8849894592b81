import NIOCore
import NIOPosix

/// Sends queries for names outside the cluster to upstream resolvers: UDP with a timeout and
/// one retry (on the next upstream when there is one), and TCP when a UDP answer comes back
/// truncated. The answer is returned with the caller's message ID.
public final class DNSForwarder: Sendable {
    public let upstreams: [SocketAddress]
    public let timeout: TimeAmount
    let group: any EventLoopGroup

    public init(upstreams: [SocketAddress], timeout: TimeAmount = .seconds(2),
                group: any EventLoopGroup = MultiThreadedEventLoopGroup.singleton) {
        self.upstreams = upstreams
        self.timeout = timeout
        self.group = group
    }

    /// The upstream answer to `query` (wire form, any ID), with the query's ID; throws
    /// `DNSForwardError` when no upstream answered in two attempts.
    public func forward(_ query: [UInt8]) async throws -> [UInt8] {
        guard query.count >= 12 else { throw DNSForwardError("query of \(query.count) bytes is too short") }
        guard !upstreams.isEmpty else { throw DNSForwardError("no upstream resolvers are configured") }
        let clientID = (query[0], query[1])
        var failures: [String] = []
        for attempt in 0..<2 {
            let upstream = upstreams[attempt % upstreams.count]
            let id = UInt16.random(in: 0...UInt16.max)
            var outgoing = query
            outgoing[0] = UInt8(id >> 8)
            outgoing[1] = UInt8(truncatingIfNeeded: id)
            do {
                var answer = try await exchangeUDP(outgoing, id: id, upstream: upstream)
                if answer[2] & 0x02 != 0 {
                    answer = try await exchangeTCP(outgoing, id: id, upstream: upstream)
                }
                answer[0] = clientID.0
                answer[1] = clientID.1
                return answer
            } catch {
                failures.append("\(upstream): \(error)")
            }
        }
        throw DNSForwardError("no upstream answered: " + failures.joined(separator: "; "))
    }

    private func exchangeUDP(_ query: [UInt8], id: UInt16, upstream: SocketAddress) async throws -> [UInt8] {
        let loop = group.next()
        let promise = loop.makePromise(of: [UInt8].self)
        let channel = try await DatagramBootstrap(group: loop)
            .channelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.addHandler(UpstreamUDPHandler(id: id, upstream: upstream, promise: promise))
                }
            }
            .channelOption(.recvAllocator, value: FixedSizeRecvByteBufferAllocator(capacity: 65535))
            .bind(host: upstream.protocol == .inet6 ? "::" : "0.0.0.0", port: 0).get()
        let timer = loop.scheduleTask(in: timeout) { promise.fail(DNSForwardError("timed out after \(self.timeout)")) }
        var buffer = channel.allocator.buffer(capacity: query.count)
        buffer.writeBytes(query)
        channel.writeAndFlush(AddressedEnvelope(remoteAddress: upstream, data: buffer)).cascadeFailure(to: promise)
        defer {
            timer.cancel()
            channel.close(promise: nil)
        }
        return try await promise.futureResult.get()
    }

    private func exchangeTCP(_ query: [UInt8], id: UInt16, upstream: SocketAddress) async throws -> [UInt8] {
        let loop = group.next()
        let promise = loop.makePromise(of: [UInt8].self)
        let channel = try await ClientBootstrap(group: loop)
            .connectTimeout(timeout)
            .channelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.addHandler(ByteToMessageHandler(DNSTCPFrameDecoder()))
                    try channel.pipeline.syncOperations.addHandler(UpstreamTCPHandler(id: id, promise: promise))
                }
            }
            .connect(to: upstream).get()
        let timer = loop.scheduleTask(in: timeout) { promise.fail(DNSForwardError("TCP answer timed out after \(self.timeout)")) }
        channel.writeAndFlush(DNSTCPFrameDecoder.frame(query, allocator: channel.allocator)).cascadeFailure(to: promise)
        defer {
            timer.cancel()
            channel.close(promise: nil)
        }
        return try await promise.futureResult.get()
    }
}

/// Why forwarding failed; the server answers SERVFAIL.
public struct DNSForwardError: Error, CustomStringConvertible, Sendable {
    public let description: String
    init(_ description: String) { self.description = description }
}

/// Whether `packet` is a response to query `id` (a header at least, QR set, same ID).
private func isResponse(_ packet: ByteBuffer, id: UInt16) -> Bool {
    guard packet.readableBytes >= 12, let got = packet.getInteger(at: packet.readerIndex, as: UInt16.self),
          let flags = packet.getInteger(at: packet.readerIndex + 2, as: UInt8.self) else { return false }
    return got == id && flags & 0x80 != 0
}

/// Takes the first datagram from the upstream that answers the query's ID; ignores the rest
/// (anything else arriving on the port is not the answer, and may be spoofed).
private final class UpstreamUDPHandler: ChannelInboundHandler {
    typealias InboundIn = AddressedEnvelope<ByteBuffer>
    let id: UInt16
    let upstream: SocketAddress
    let promise: EventLoopPromise<[UInt8]>

    init(id: UInt16, upstream: SocketAddress, promise: EventLoopPromise<[UInt8]>) {
        self.id = id
        self.upstream = upstream
        self.promise = promise
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let envelope = unwrapInboundIn(data)
        guard envelope.remoteAddress == upstream, isResponse(envelope.data, id: id) else { return }
        promise.succeed(Array(envelope.data.readableBytesView))
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        promise.fail(error)
    }
}

private final class UpstreamTCPHandler: ChannelInboundHandler {
    typealias InboundIn = ByteBuffer
    let id: UInt16
    let promise: EventLoopPromise<[UInt8]>

    init(id: UInt16, promise: EventLoopPromise<[UInt8]>) {
        self.id = id
        self.promise = promise
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let frame = unwrapInboundIn(data)
        guard isResponse(frame, id: id) else { return }
        promise.succeed(Array(frame.readableBytesView))
    }

    func channelInactive(context: ChannelHandlerContext) {
        promise.fail(DNSForwardError("upstream closed the TCP connection before answering"))
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        promise.fail(error)
    }
}
