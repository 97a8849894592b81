import NIOCore

/// One half of a spliced TCP connection: what one channel reads, its partner (on the other
/// channel, on the same event loop) writes. Reads stop while the partner cannot keep up
/// (backpressure through `read`, with autoRead on), an EOF becomes a shutdown of the partner's
/// output once its queued writes are out (half-close; NIO closes a channel fully once both
/// directions are shut), and a
/// channel that closes or fails closes its partner, again once the partner's queued writes are out.
final class UserspaceTCPRelayHandler: ChannelDuplexHandler, RemovableChannelHandler {
    typealias InboundIn = ByteBuffer
    typealias OutboundIn = ByteBuffer
    typealias OutboundOut = ByteBuffer

    private var partner: UserspaceTCPRelayHandler?
    private var context: ChannelHandlerContext?
    /// A read was held back because the partner was not writable.
    private var readHeld = false

    private init() {}

    /// Two handlers that relay to each other: add one to each channel.
    static func pair() -> (UserspaceTCPRelayHandler, UserspaceTCPRelayHandler) {
        let a = UserspaceTCPRelayHandler()
        let b = UserspaceTCPRelayHandler()
        a.partner = b
        b.partner = a
        return (a, b)
    }

    func handlerAdded(context: ChannelHandlerContext) {
        self.context = context
    }

    func handlerRemoved(context: ChannelHandlerContext) {
        self.context = nil
        partner = nil
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        partner?.partnerWrite(data)
    }

    func channelReadComplete(context: ChannelHandlerContext) {
        partner?.partnerFlush()
    }

    func channelInactive(context: ChannelHandlerContext) {
        let partner = self.partner
        self.partner = nil
        partner?.partnerClose()
        context.fireChannelInactive()
    }

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        if let event = event as? ChannelEvent, event == .inputClosed {
            partner?.partnerShutdownOutput()
        }
        context.fireUserInboundEventTriggered(event)
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        context.close(promise: nil)
    }

    func channelWritabilityChanged(context: ChannelHandlerContext) {
        if context.channel.isWritable { partner?.partnerBecameWritable() }
        context.fireChannelWritabilityChanged()
    }

    func read(context: ChannelHandlerContext) {
        if partner?.isWritable ?? false {
            context.read()
        } else {
            readHeld = true
        }
    }

    // MARK: called by the partner

    private var isWritable: Bool { context?.channel.isWritable ?? false }

    private func partnerWrite(_ data: NIOAny) {
        context?.write(data, promise: nil)
    }

    private func partnerFlush() {
        context?.flush()
    }

    private func partnerShutdownOutput() {
        afterQueuedWrites { $0.close(mode: .output, promise: nil) }
    }

    /// The partner is gone (closed after its EOF, or failed): what it sent is delivered, then this side closes.
    private func partnerClose() {
        partner = nil
        afterQueuedWrites { $0.close(promise: nil) }
    }

    /// Runs `action` once everything queued on this channel is written (or could not be).
    /// Closing at once would drop what is still queued: a full close discards pending writes,
    /// and NIO turns an output close into a full one when the input is shut already.
    private func afterQueuedWrites(_ action: @escaping @Sendable (any Channel) -> Void) {
        guard let context else { return }
        let channel = context.channel
        let written = context.eventLoop.makePromise(of: Void.self)
        context.writeAndFlush(wrapOutboundOut(channel.allocator.buffer(capacity: 0)), promise: written)
        written.futureResult.whenComplete { _ in action(channel) }
    }

    private func partnerBecameWritable() {
        guard readHeld else { return }
        readHeld = false
        context?.read()
    }
}
