#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif
import Logging
import NIOCore
import NIOPosix

/// What a TCP listener's accepted connections need to reach an endpoint.
struct UserspaceTCPTarget: Sendable {
    var picker: UserspaceEndpointPicker
    /// The policy connections fall under, and who may connect (`loadBalancerSourceRanges`).
    var route: UserspaceRoute
    var tuning: UserspaceProxyTuning
    var logger: Logger
}

/// The first handler of an accepted connection (which does not read yet): picks an endpoint,
/// connects to it (trying another after a failure, a bounded number of times), then splices
/// the two with a pair of `UserspaceTCPRelayHandler`s, hands them anything that arrived
/// meanwhile, and starts reading on both. With no
/// endpoint to use it resets the connection, so the client sees a refusal at once rather than
/// a connection that hangs.
final class UserspaceTCPConnector: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = ByteBuffer

    let target: UserspaceTCPTarget
    private var clientClosed = false
    private var context: ChannelHandlerContext?
    /// What came before the splice. The channel does not read then, except that NIO reads all
    /// that is left when the client's EOF arrives, whatever autoRead says: a client that sends
    /// and shuts its side at once must not lose either.
    private var early: [NIOAny] = []
    private var earlyEOF = false

    init(target: UserspaceTCPTarget) {
        self.target = target
    }

    func channelActive(context: ChannelHandlerContext) {
        context.fireChannelActive()
        let client = context.channel.remoteAddress.flatMap(Self.ipv4)
        guard target.route.admits(client) else {
            // Not one of the Service's loadBalancerSourceRanges: closed without an endpoint.
            context.close(promise: nil)
            return
        }
        attempt(channel: context.channel, client: client, failed: [])
    }

    func handlerAdded(context: ChannelHandlerContext) {
        self.context = context
    }

    func handlerRemoved(context: ChannelHandlerContext) {
        self.context = nil
    }

    func channelInactive(context: ChannelHandlerContext) {
        clientClosed = true
        early = []
        context.fireChannelInactive()
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        early.append(data)
    }

    func channelReadComplete(context: ChannelHandlerContext) {}

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        if let event = event as? ChannelEvent, event == .inputClosed {
            earlyEOF = true
        } else {
            context.fireUserInboundEventTriggered(event)
        }
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        context.close(promise: nil)
    }

    private func attempt(channel: any Channel, client: ProxyIPv4?, failed: Set<ProxiedEndpoint>) {
        guard !clientClosed else { return }
        guard failed.count < target.tuning.connectAttempts,
              let endpoint = target.picker.pick(for: target.route.traffic, client: client, excluding: failed),
              let address = try? SocketAddress(ipAddress: endpoint.ip.description, port: endpoint.port) else {
            if !failed.isEmpty {
                target.logger.debug("userspace proxy: no endpoint answered", metadata: ["tried": .string(failed.map(\.id).sorted().joined(separator: ", "))])
            }
            Self.reset(channel)
            return
        }
        ClientBootstrap(group: channel.eventLoop)
            .connectTimeout(target.tuning.connectTimeout)
            .channelOption(.autoRead, value: false)
            .channelOption(.allowRemoteHalfClosure, value: true)
            .channelOption(.socketOption(.tcp_nodelay), value: 1)
            .connect(to: address)
            .assumeIsolated()
            .whenComplete { result in
                switch result {
                case .success(let upstream):
                    self.splice(client: channel, upstream: upstream)
                case .failure(let error):
                    self.target.logger.debug("userspace proxy: cannot connect to \(endpoint.id): \(error)")
                    self.target.picker.forget(client: client, endpoint: endpoint)
                    self.attempt(channel: channel, client: client, failed: failed.union([endpoint]))
                }
            }
    }

    private func splice(client: any Channel, upstream: any Channel) {
        guard !clientClosed, client.isActive else {
            upstream.close(promise: nil)
            return
        }
        let (clientSide, upstreamSide) = UserspaceTCPRelayHandler.pair()
        do {
            try upstream.pipeline.syncOperations.addHandler(upstreamSide)
            try client.pipeline.syncOperations.addHandler(clientSide)
            // What arrived early goes through the relay (which sits after this handler) first.
            if let context {
                let held = early
                early = []
                for data in held { context.fireChannelRead(data) }
                if !held.isEmpty { context.fireChannelReadComplete() }
                if earlyEOF { context.fireUserInboundEventTriggered(ChannelEvent.inputClosed) }
            }
            client.pipeline.syncOperations.removeHandler(self, promise: nil)
            try client.syncOptions?.setOption(.autoRead, value: true)
            try upstream.syncOptions?.setOption(.autoRead, value: true)
        } catch {
            target.logger.debug("userspace proxy: cannot splice a connection: \(error)")
            upstream.close(promise: nil)
            client.close(promise: nil)
        }
    }

    /// Closes with SO_LINGER 0: the client gets a RST, as from a port nobody listens on.
    static func reset(_ channel: any Channel) {
        guard let provider = channel as? any SocketOptionProvider else {
            channel.close(promise: nil)
            return
        }
        provider.setSoLinger(linger(l_onoff: 1, l_linger: 0)).whenComplete { _ in channel.close(promise: nil) }
    }

    static func ipv4(_ address: SocketAddress) -> ProxyIPv4? {
        guard case .v4 = address, let text = address.ipAddress else { return nil }
        return ProxyIPv4(text)
    }
}
