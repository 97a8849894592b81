import NIOCore
import NIOPosix

/// A listening TCP socket: each accepted connection gets a `UserspaceTCPConnector` that finds
/// it an endpoint. Accepted connections do not read until they are spliced, so nothing the
/// client sends early is lost or buffered in the proxy.
final class UserspaceTCPListener: UserspaceListener {
    let key: UserspaceListenerKey
    private let channel: any Channel

    private init(key: UserspaceListenerKey, channel: any Channel) {
        self.key = key
        self.channel = channel
    }

    /// Binds `key`'s address; throws when it cannot (address in use, not local).
    static func open(_ key: UserspaceListenerKey, target: UserspaceTCPTarget, group: any EventLoopGroup) async throws -> UserspaceTCPListener {
        let address = try SocketAddress(ipAddress: key.ip.description, port: key.port)
        let channel = try await ServerBootstrap(group: group)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .serverChannelOption(.backlog, value: 1024)
            .childChannelOption(.autoRead, value: false)
            .childChannelOption(.allowRemoteHalfClosure, value: true)
            .childChannelOption(.socketOption(.tcp_nodelay), value: 1)
            .childChannelInitializer { child in
                child.eventLoop.makeCompletedFuture {
                    try child.pipeline.syncOperations.addHandler(UserspaceTCPConnector(target: target))
                }
            }
            .bind(to: address).get()
        return UserspaceTCPListener(key: key, channel: channel)
    }

    func sessionCount() async -> Int { 0 }

    func close() async {
        try? await channel.close()
    }
}
