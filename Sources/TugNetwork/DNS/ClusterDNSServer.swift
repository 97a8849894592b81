#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif
import Logging
import NIOCore
import NIOPosix
import ServiceLifecycle
import Synchronization

/// The cluster DNS server: UDP and TCP on each listen address. Each UDP address gets one
/// socket per event loop (SO_REUSEPORT) so that all cores answer.
public final class ClusterDNSServer: Service, Sendable {
    public let responder: ClusterDNSResponder
    public let listen: [SocketAddress]
    let group: any EventLoopGroup
    let udpSocketsPerAddress: Int
    let tcpIdleTimeout: TimeAmount
    let logger: Logger
    private let channels = Mutex<[any Channel]>([])

    /// - Parameters:
    ///   - listen: addresses to serve on; port 0 picks a free port, shared by UDP and TCP.
    ///   - udpSocketsPerAddress: sockets sharing each UDP address; defaults to the cores.
    public init(responder: ClusterDNSResponder, listen: [SocketAddress], group: any EventLoopGroup = MultiThreadedEventLoopGroup.singleton,
                udpSocketsPerAddress: Int? = nil, tcpIdleTimeout: TimeAmount = .seconds(10), logger: Logger = Logger(label: "tug.dns")) {
        self.responder = responder
        self.listen = listen
        self.group = group
        self.udpSocketsPerAddress = max(1, min(udpSocketsPerAddress ?? System.coreCount, 16))
        self.tcpIdleTimeout = tcpIdleTimeout
        self.logger = logger
    }

    /// Binds every address; returns the bound addresses (with the chosen ports), in order.
    @discardableResult
    public func start() async throws -> [SocketAddress] {
        var bound: [SocketAddress] = []
        do {
            for address in listen {
                bound.append(try await bind(address))
            }
        } catch {
            await stop()
            throw DNSServerError("cannot serve DNS on \(listen.map(\.description).joined(separator: ", ")): \(error)")
        }
        logger.info("cluster DNS serving", metadata: ["addresses": .string(bound.map(\.description).joined(separator: ", "))])
        return bound
    }

    private func bind(_ address: SocketAddress) async throws -> SocketAddress {
        // A free port for UDP may be taken for TCP: try a few.
        var lastError: (any Error)?
        for _ in 0..<(address.port == 0 ? 5 : 1) {
            var udp: [any Channel] = []
            do {
                let first = try await udpBootstrap().bind(to: address).get()
                udp.append(first)
                guard let actual = first.localAddress else { throw DNSServerError("no local address for \(address)") }
                for _ in 1..<udpSocketsPerAddress { udp.append(try await udpBootstrap().bind(to: actual).get()) }
                let tcp = try await tcpBootstrap().bind(to: actual).get()
                channels.withLock { $0 += udp + [tcp] }
                return actual
            } catch {
                lastError = error
                for channel in udp { try? await channel.close() }
            }
        }
        throw lastError ?? DNSServerError("cannot bind \(address)")
    }

    private func udpBootstrap() -> DatagramBootstrap {
        let responder = responder
        return DatagramBootstrap(group: group)
            .channelOption(.socketOption(.so_reuseaddr), value: 1)
            .channelOption(.socketOption(NIOBSDSocket.Option(rawValue: SO_REUSEPORT)), value: 1)
            .channelOption(.datagramVectorReadMessageCount, value: 32)
            .channelOption(.recvAllocator, value: FixedSizeRecvByteBufferAllocator(capacity: 4096))
            .channelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.addHandler(DNSUDPHandler(responder: responder))
                }
            }
    }

    private func tcpBootstrap() -> ServerBootstrap {
        let responder = responder
        let idle = tcpIdleTimeout
        return ServerBootstrap(group: group)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .serverChannelOption(.backlog, value: 256)
            .childChannelOption(.socketOption(.tcp_nodelay), value: 1)
            .childChannelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.addHandler(IdleStateHandler(readTimeout: idle))
                    try channel.pipeline.syncOperations.addHandler(ByteToMessageHandler(DNSTCPFrameDecoder()))
                    try channel.pipeline.syncOperations.addHandler(DNSTCPHandler(responder: responder))
                }
            }
    }

    /// Closes every socket.
    public func stop() async {
        let open = channels.withLock { channels in
            defer { channels = [] }
            return channels
        }
        for channel in open { try? await channel.close() }
    }

    /// Serves until cancelled or asked to shut down gracefully.
    public func run() async throws {
        try await start()
        try? await gracefulShutdown()
        await stop()
    }
}

/// The server could not start.
public struct DNSServerError: Error, CustomStringConvertible, Sendable {
    public let description: String
    init(_ description: String) { self.description = description }
}
