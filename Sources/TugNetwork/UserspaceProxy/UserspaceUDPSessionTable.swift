import Logging
import NIOCore
import NIOPosix

/// What a UDP listener's sessions need to reach an endpoint.
struct UserspaceUDPTarget: Sendable {
    var picker: UserspaceEndpointPicker
    /// The policy sessions fall under, and who may send (`loadBalancerSourceRanges`).
    var route: UserspaceRoute
    var tuning: UserspaceProxyTuning
    var logger: Logger
}

/// The handler of a listening UDP socket: one session per client address, each with its own
/// socket connected to the endpoint chosen for it, so the endpoint's replies can be told apart
/// and sent back to the right client from the listening socket (the address the client wrote
/// to). Sessions end after `udpIdleTimeout` without a datagram either way, or when their
/// endpoint refuses (ICMP port unreachable); at most `maxUDPSessions` exist at once. Lives on
/// its channel's event loop, as do the sessions' sockets, so it needs no lock.
final class UserspaceUDPSessionTable: ChannelInboundHandler {
    typealias InboundIn = AddressedEnvelope<ByteBuffer>
    typealias OutboundOut = AddressedEnvelope<ByteBuffer>

    private struct Session {
        let id: UInt64
        let endpoint: ProxiedEndpoint
        var upstream: (any Channel)?
        /// Datagrams that came while the upstream socket was being set up.
        var pending: [ByteBuffer] = []
        var lastActive: NIODeadline
        var activeSinceSweep = true
    }

    let target: UserspaceUDPTarget
    private var sessions: [SocketAddress: Session] = [:]
    private var nextID: UInt64 = 0
    private var context: ChannelHandlerContext?
    private var sweeper: RepeatedTask?
    /// Set while the table is full, so that is logged once per episode, not per datagram.
    private var reportedFull = false

    init(target: UserspaceUDPTarget) {
        self.target = target
    }

    var count: Int { sessions.count }

    func handlerAdded(context: ChannelHandlerContext) {
        self.context = context
        let idle = target.tuning.udpIdleTimeout.nanoseconds
        let interval = TimeAmount.nanoseconds(max(10_000_000, min(idle / 4, 1_000_000_000)))
        let table = NIOLoopBound(self, eventLoop: context.eventLoop)
        sweeper = context.eventLoop.scheduleRepeatedTask(initialDelay: interval, delay: interval) { _ in
            table.value.sweep()
        }
    }

    func handlerRemoved(context: ChannelHandlerContext) {
        closeAll()
        self.context = nil
    }

    func channelInactive(context: ChannelHandlerContext) {
        closeAll()
        context.fireChannelInactive()
    }

    /// Errors on the listening socket (a reply that could not be sent) concern one datagram, not the listener.
    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        target.logger.debug("userspace proxy: UDP listener error: \(error)")
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let envelope = unwrapInboundIn(data)
        let client = envelope.remoteAddress
        let now = NIODeadline.now()
        if var session = sessions[client] {
            session.lastActive = now
            session.activeSinceSweep = true
            if let upstream = session.upstream {
                upstream.writeAndFlush(envelope.data, promise: nil)
            } else if session.pending.count < target.tuning.maxPendingDatagrams {
                session.pending.append(envelope.data)
            }
            sessions[client] = session
            return
        }
        guard sessions.count < target.tuning.maxUDPSessions else {
            if !reportedFull {
                reportedFull = true
                target.logger.warning("userspace proxy: \(sessions.count) UDP sessions on \(context.channel.localAddress?.description ?? "?"); dropping datagrams from new clients")
            }
            return
        }
        let clientIP = UserspaceTCPConnector.ipv4(client)
        guard target.route.admits(clientIP) else { return }
        // No endpoint: drop, as a UDP service without endpoints does.
        guard let endpoint = target.picker.pick(for: target.route.traffic, client: clientIP),
              let address = try? SocketAddress(ipAddress: endpoint.ip.description, port: endpoint.port) else { return }
        nextID &+= 1
        let id = nextID
        sessions[client] = Session(id: id, endpoint: endpoint, pending: [envelope.data], lastActive: now)
        let table = NIOLoopBound(self, eventLoop: context.eventLoop)
        DatagramBootstrap(group: context.eventLoop)
            .channelOption(.recvAllocator, value: FixedSizeRecvByteBufferAllocator(capacity: 65_536))
            .channelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.addHandler(UserspaceUDPUpstreamHandler(table: table, client: client, session: id))
                }
            }
            .connect(to: address)
            .assumeIsolated()
            .whenComplete { result in
                self.connected(client: client, session: id, result)
            }
    }

    private func connected(client: SocketAddress, session id: UInt64, _ result: Result<any Channel, any Error>) {
        switch result {
        case .success(let upstream):
            guard var session = sessions[client], session.id == id else {
                upstream.close(promise: nil)
                return
            }
            for datagram in session.pending { upstream.write(datagram, promise: nil) }
            upstream.flush()
            session.pending = []
            session.upstream = upstream
            sessions[client] = session
        case .failure(let error):
            guard let session = sessions[client], session.id == id else { return }
            target.logger.debug("userspace proxy: cannot open a UDP session to \(session.endpoint.id): \(error)")
            end(client)
        }
    }

    /// A datagram from a session's endpoint: back to its client, from the listening socket.
    func reply(_ data: ByteBuffer, to client: SocketAddress, session id: UInt64) {
        guard var session = sessions[client], session.id == id, let context else { return }
        session.lastActive = .now()
        session.activeSinceSweep = true
        sessions[client] = session
        // UDP may drop: when the socket's buffer is full, this datagram is lost, not queued.
        guard context.channel.isWritable else { return }
        context.writeAndFlush(wrapOutboundOut(AddressedEnvelope(remoteAddress: client, data: data)), promise: nil)
    }

    /// The endpoint refused (or the socket failed): the session ends, the client may start another.
    func upstreamFailed(client: SocketAddress, session id: UInt64, error: any Error) {
        guard let session = sessions[client], session.id == id else { return }
        target.logger.debug("userspace proxy: UDP session to \(session.endpoint.id) failed: \(error)")
        target.picker.forget(client: UserspaceTCPConnector.ipv4(client), endpoint: session.endpoint)
        end(client)
    }

    private func end(_ client: SocketAddress) {
        sessions.removeValue(forKey: client)?.upstream?.close(promise: nil)
        if sessions.count < target.tuning.maxUDPSessions { reportedFull = false }
    }

    private func sweep() {
        let now = NIODeadline.now()
        let idle = target.tuning.udpIdleTimeout
        for (client, session) in sessions {
            if now - session.lastActive >= idle {
                end(client)
            } else if session.activeSinceSweep {
                // Keeps an affine client on its endpoint while it is still talking.
                target.picker.touch(client: UserspaceTCPConnector.ipv4(client), endpoint: session.endpoint)
                sessions[client]?.activeSinceSweep = false
            }
        }
    }

    private func closeAll() {
        sweeper?.cancel()
        sweeper = nil
        let open = sessions
        sessions = [:]
        for session in open.values { session.upstream?.close(promise: nil) }
    }
}

/// The handler of one session's connected socket: hands the endpoint's datagrams to the table.
final class UserspaceUDPUpstreamHandler: ChannelInboundHandler {
    typealias InboundIn = AddressedEnvelope<ByteBuffer>

    private let table: NIOLoopBound<UserspaceUDPSessionTable>
    private let client: SocketAddress
    private let session: UInt64

    init(table: NIOLoopBound<UserspaceUDPSessionTable>, client: SocketAddress, session: UInt64) {
        self.table = table
        self.client = client
        self.session = session
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        table.value.reply(unwrapInboundIn(data).data, to: client, session: session)
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        table.value.upstreamFailed(client: client, session: session, error: error)
    }
}
