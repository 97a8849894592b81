import NIOCore
import NIOPosix
import Synchronization
@testable import TugNetwork

/// A minimal DNS client for tests: one UDP exchange, or several queries over one TCP connection.
enum DNSTestClient {
    struct Timeout: Error {}

    static func udp(_ query: [UInt8], to server: SocketAddress, timeout: TimeAmount = .seconds(3)) async throws -> [UInt8] {
        let loop = MultiThreadedEventLoopGroup.singleton.next()
        let promise = loop.makePromise(of: [UInt8].self)
        let channel = try await DatagramBootstrap(group: loop)
            .channelInitializer { ch in ch.eventLoop.makeCompletedFuture { try ch.pipeline.syncOperations.addHandler(Collect(promise: promise)) } }
            .bind(host: "127.0.0.1", port: 0).get()
        defer { channel.close(promise: nil) }
        let timer = loop.scheduleTask(in: timeout) { promise.fail(Timeout()) }
        defer { timer.cancel() }
        var buffer = channel.allocator.buffer(capacity: query.count)
        buffer.writeBytes(query)
        try await channel.writeAndFlush(AddressedEnvelope(remoteAddress: server, data: buffer)).get()
        return try await promise.futureResult.get()
    }

    static func udp(_ query: DNSMessage, to server: SocketAddress) async throws -> DNSMessage {
        try DNSMessage(parsing: try await udp(query.encoded(), to: server))
    }

    /// Sends every query on one connection, then collects as many answers.
    static func tcp(_ queries: [DNSMessage], to server: SocketAddress, timeout: TimeAmount = .seconds(3)) async throws -> [DNSMessage] {
        let loop = MultiThreadedEventLoopGroup.singleton.next()
        let promise = loop.makePromise(of: [[UInt8]].self)
        let expected = queries.count
        let channel = try await ClientBootstrap(group: loop)
            .channelInitializer { ch in
                ch.eventLoop.makeCompletedFuture {
                    try ch.pipeline.syncOperations.addHandler(ByteToMessageHandler(DNSTCPFrameDecoder()))
                    try ch.pipeline.syncOperations.addHandler(CollectFrames(expected: expected, promise: promise))
                }
            }
            .connect(to: server).get()
        defer { channel.close(promise: nil) }
        let timer = loop.scheduleTask(in: timeout) { promise.fail(Timeout()) }
        defer { timer.cancel() }
        var buffer = channel.allocator.buffer(capacity: 512)
        for q in queries {
            let bytes = q.encoded()
            buffer.writeInteger(UInt16(bytes.count))
            buffer.writeBytes(bytes)
        }
        try await channel.writeAndFlush(buffer).get()
        return try await promise.futureResult.get().map { try DNSMessage(parsing: $0) }
    }

    private final class Collect: ChannelInboundHandler {
        typealias InboundIn = AddressedEnvelope<ByteBuffer>
        let promise: EventLoopPromise<[UInt8]>
        init(promise: EventLoopPromise<[UInt8]>) { self.promise = promise }
        func channelRead(context: ChannelHandlerContext, data: NIOAny) {
            promise.succeed(Array(unwrapInboundIn(data).data.readableBytesView))
        }
    }

    private final class CollectFrames: ChannelInboundHandler {
        typealias InboundIn = ByteBuffer
        let expected: Int
        let promise: EventLoopPromise<[[UInt8]]>
        var frames: [[UInt8]] = []
        init(expected: Int, promise: EventLoopPromise<[[UInt8]]>) {
            self.expected = expected
            self.promise = promise
        }
        func channelRead(context: ChannelHandlerContext, data: NIOAny) {
            frames.append(Array(unwrapInboundIn(data).readableBytesView))
            if frames.count == expected { promise.succeed(frames) }
        }
        func channelInactive(context: ChannelHandlerContext) { promise.fail(Timeout()) }
    }
}

/// A fake upstream resolver on 127.0.0.1 (UDP and TCP on one port): answers A queries for
/// names it knows, NXDOMAIN otherwise, and can misbehave as a test needs.
final class FakeUpstream: Sendable {
    enum Mode: Sendable {
        case normal
        /// Over UDP: an empty answer with TC set; the full answer only over TCP.
        case truncateUDP
        /// Never answers.
        case silent
        /// Ignores the first UDP query, answers the rest (tests the retry).
        case dropFirstUDP
    }

    let records: [String: [UInt8]]
    let mode: Mode
    let udpQueries = Atomic<Int>(0)
    let tcpQueries = Atomic<Int>(0)
    private let channels = Mutex<[any Channel]>([])
    private let bound = Mutex<SocketAddress?>(nil)
    var address: SocketAddress { bound.withLock { $0! } }

    init(records: [String: [UInt8]], mode: Mode = .normal) {
        self.records = records
        self.mode = mode
    }

    static func start(records: [String: [UInt8]], mode: Mode = .normal) async throws -> FakeUpstream {
        let upstream = FakeUpstream(records: records, mode: mode)
        let udp = try await DatagramBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .channelInitializer { ch in ch.eventLoop.makeCompletedFuture { try ch.pipeline.syncOperations.addHandler(UDPHandler(upstream)) } }
            .bind(host: "127.0.0.1", port: 0).get()
        let tcp = try await ServerBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .childChannelInitializer { ch in
                ch.eventLoop.makeCompletedFuture {
                    try ch.pipeline.syncOperations.addHandler(ByteToMessageHandler(DNSTCPFrameDecoder()))
                    try ch.pipeline.syncOperations.addHandler(TCPHandler(upstream))
                }
            }
            .bind(to: udp.localAddress!).get()
        upstream.channels.withLock { $0 = [udp, tcp] }
        upstream.bound.withLock { $0 = udp.localAddress }
        return upstream
    }

    func stop() async {
        for c in channels.withLock({ $0 }) { try? await c.close() }
    }

    /// The answer to `query`, or nil to stay silent.
    func answer(_ query: [UInt8], overTCP: Bool) -> [UInt8]? {
        let count = overTCP ? tcpQueries.add(1, ordering: .relaxed).newValue : udpQueries.add(1, ordering: .relaxed).newValue
        guard let q = try? DNSMessage(parsing: query), let question = q.questions.first else { return nil }
        switch mode {
        case .silent: return nil
        case .dropFirstUDP where !overTCP && count == 1: return nil
        default: break
        }
        var reply = DNSMessage(header: DNSHeader(id: q.header.id, isResponse: true, recursionDesired: q.header.recursionDesired, recursionAvailable: true),
                               questions: q.questions)
        if mode == .truncateUDP && !overTCP {
            reply.header.truncated = true
            return reply.encoded()
        }
        let key = question.name.lowercased().description
        if let address = records[key] {
            if question.type == .a || question.type == .aaaa {
                reply.answers = [.a(question.name, address, ttl: 60)]
            }
            if question.type == .txt {
                reply.answers = (0..<40).map { DNSRecord(name: question.name, type: .txt, ttl: 60, data: .txt([Array("record \($0) padding padding padding".utf8)])) }
            }
        } else {
            reply.responseCode = .nameError
        }
        return reply.encoded()
    }

    private final class UDPHandler: ChannelInboundHandler {
        typealias InboundIn = AddressedEnvelope<ByteBuffer>
        typealias OutboundOut = AddressedEnvelope<ByteBuffer>
        let upstream: FakeUpstream
        init(_ upstream: FakeUpstream) { self.upstream = upstream }
        func channelRead(context: ChannelHandlerContext, data: NIOAny) {
            let envelope = unwrapInboundIn(data)
            guard let bytes = upstream.answer(Array(envelope.data.readableBytesView), overTCP: false) else { return }
            var buffer = context.channel.allocator.buffer(capacity: bytes.count)
            buffer.writeBytes(bytes)
            context.writeAndFlush(wrapOutboundOut(AddressedEnvelope(remoteAddress: envelope.remoteAddress, data: buffer)), promise: nil)
        }
    }

    private final class TCPHandler: ChannelInboundHandler {
        typealias InboundIn = ByteBuffer
        typealias OutboundOut = ByteBuffer
        let upstream: FakeUpstream
        init(_ upstream: FakeUpstream) { self.upstream = upstream }
        func channelRead(context: ChannelHandlerContext, data: NIOAny) {
            guard let bytes = upstream.answer(Array(unwrapInboundIn(data).readableBytesView), overTCP: true) else { return }
            context.writeAndFlush(wrapOutboundOut(DNSTCPFrameDecoder.frame(bytes, allocator: context.channel.allocator)), promise: nil)
        }
    }
}
