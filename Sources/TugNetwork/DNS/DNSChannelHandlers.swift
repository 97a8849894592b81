import NIOCore

/// Answers queries arriving on a UDP socket. Zone answers are written on the event loop and
/// flushed once per read burst; forwarded ones are written when the upstream answers.
final class DNSUDPHandler: ChannelInboundHandler {
    typealias InboundIn = AddressedEnvelope<ByteBuffer>
    typealias OutboundOut = AddressedEnvelope<ByteBuffer>

    let responder: ClusterDNSResponder
    private var pendingFlush = false

    init(responder: ClusterDNSResponder) { self.responder = responder }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let envelope = unwrapInboundIn(data)
        let client = envelope.remoteAddress
        switch responder.respond(to: Array(envelope.data.readableBytesView), overTCP: false) {
        case .reply(let bytes):
            var buffer = context.channel.allocator.buffer(capacity: bytes.count)
            buffer.writeBytes(bytes)
            context.write(wrapOutboundOut(AddressedEnvelope(remoteAddress: client, data: buffer)), promise: nil)
            pendingFlush = true
        case .forward(let request):
            let channel = context.channel
            let responder = responder
            Task {
                let bytes = await responder.complete(request)
                var buffer = channel.allocator.buffer(capacity: bytes.count)
                buffer.writeBytes(bytes)
                channel.writeAndFlush(AddressedEnvelope(remoteAddress: client, data: buffer), promise: nil)
            }
        case .drop:
            break
        }
    }

    func channelReadComplete(context: ChannelHandlerContext) {
        if pendingFlush {
            pendingFlush = false
            context.flush()
        }
    }

    /// A send error (the client's port closed, ICMP unreachable) must not close the socket.
    func errorCaught(context: ChannelHandlerContext, error: any Error) {}
}

/// Answers length-framed queries on a TCP connection, any number per connection; answers may
/// come back out of order when some are forwarded (RFC 7766 §6.2.1.1).
final class DNSTCPHandler: ChannelInboundHandler {
    typealias InboundIn = ByteBuffer
    typealias OutboundOut = ByteBuffer

    let responder: ClusterDNSResponder
    private var pendingFlush = false

    init(responder: ClusterDNSResponder) { self.responder = responder }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let frame = unwrapInboundIn(data)
        switch responder.respond(to: Array(frame.readableBytesView), overTCP: true) {
        case .reply(let bytes):
            context.write(wrapOutboundOut(DNSTCPFrameDecoder.frame(bytes, allocator: context.channel.allocator)), promise: nil)
            pendingFlush = true
        case .forward(let request):
            let channel = context.channel
            let responder = responder
            Task {
                let bytes = await responder.complete(request)
                channel.writeAndFlush(DNSTCPFrameDecoder.frame(bytes, allocator: channel.allocator), promise: nil)
            }
        case .drop:
            break
        }
    }

    func channelReadComplete(context: ChannelHandlerContext) {
        if pendingFlush {
            pendingFlush = false
            context.flush()
        }
    }

    /// Idle connections are closed (CoreDNS: 10 s), as are broken ones.
    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        if event is IdleStateHandler.IdleStateEvent { context.close(promise: nil) } else { context.fireUserInboundEventTriggered(event) }
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        context.close(promise: nil)
    }
}
