import Foundation
import HummingbirdWebSocket
import NIOCore

/// Writes SPDY frames to the client's WebSocket one at a time: header compression is one
/// stream per connection, so frames must reach the wire in the order they were compressed,
/// and a slow client holds back the writers (backpressure).
actor SPDYFrameSender {
    private let writer: SPDYFrameWriter
    private let outbound: WebSocketOutboundWriter
    private var busy = false
    private var waiters: [CheckedContinuation<Void, Never>] = []

    init(outbound: WebSocketOutboundWriter) throws {
        writer = try SPDYFrameWriter()
        self.outbound = outbound
    }

    func send(_ frame: SPDYFrame) async throws {
        while busy { await withCheckedContinuation { waiters.append($0) } }
        busy = true
        defer {
            busy = false
            if !waiters.isEmpty { waiters.removeFirst().resume() }
        }
        let bytes = try writer.encode(frame)
        try await outbound.write(.binary(ByteBuffer(bytes: bytes)))
    }
}
