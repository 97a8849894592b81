import NIOCore
import NIOPosix

/// A listening UDP socket with its `UserspaceUDPSessionTable`. Not SO_REUSEADDR: on Linux that
/// would let two UDP sockets share a port silently, and a conflict must show as a bind error.
final class UserspaceUDPListener: UserspaceListener {
    let key: UserspaceListenerKey
    private let channel: any Channel

    private init(key: UserspaceListenerKey, channel: any Channel) {
        self.key = key
        self.channel = channel
    }

    /// Binds `key`'s address; throws when it cannot (address in use, not local).
    static func open(_ key: UserspaceListenerKey, target: UserspaceUDPTarget, group: any EventLoopGroup) async throws -> UserspaceUDPListener {
        let address = try SocketAddress(ipAddress: key.ip.description, port: key.port)
        let channel = try await DatagramBootstrap(group: group)
            .channelOption(.recvAllocator, value: FixedSizeRecvByteBufferAllocator(capacity: 65_536))
            .channelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.addHandler(UserspaceUDPSessionTable(target: target))
                }
            }
            .bind(to: address).get()
        return UserspaceUDPListener(key: key, channel: channel)
    }

    func sessionCount() async -> Int {
        let channel = self.channel
        return (try? await channel.eventLoop.submit {
            try channel.pipeline.syncOperations.handler(type: UserspaceUDPSessionTable.self).count
        }.get()) ?? 0
    }

    func close() async {
        try? await channel.close()
    }
}
