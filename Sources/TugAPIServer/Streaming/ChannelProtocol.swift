import Foundation
import HummingbirdWebSocket
import NIOCore
import TugAPI

/// Kubernetes' remote-command WebSocket subprotocols for exec and attach. Every message carries
/// one channel: 0 stdin, 1 stdout, 2 stderr, 3 error (a `Status` at the end), 4 resize
/// (`{"Width":…,"Height":…}`); v5 adds 255 close (second byte: the channel the client closed,
/// e.g. stdin's EOF). The binary protocols put the channel in the first byte; the base64 one
/// sends text messages whose first character is the channel's digit and the rest base64.
/// The agent always speaks v5 binary; the API server translates.
enum ChannelProtocol: String, CaseIterable, Sendable {
    case v5 = "v5.channel.k8s.io"
    case v4 = "v4.channel.k8s.io"
    case v4Base64 = "v4.base64.channel.k8s.io"

    /// The first protocol in the client's list that we speak (the client's order wins, as in
    /// kube-apiserver).
    static func negotiate(_ offered: [String]) -> ChannelProtocol? {
        offered.lazy.compactMap { ChannelProtocol(rawValue: $0) }.first
    }

    /// The protocols a `Sec-WebSocket-Protocol` header lists.
    static func offered(_ header: String?) -> [String] {
        (header ?? "").split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
    }

    /// A client message as the agent's binary frame, or nil when it carries nothing.
    func fromClient(_ message: WebSocketMessage) -> ByteBuffer? {
        switch (self, message) {
        case (.v4Base64, .text(let text)):
            guard let first = text.utf8.first, (0x30...0x39).contains(first) else { return nil }
            var out = ByteBuffer()
            out.writeInteger(first - 0x30)
            if let data = Data(base64Encoded: String(text.dropFirst())) { out.writeBytes(data) }
            return out
        case (.v4Base64, .binary):
            return nil
        case (_, .binary(let b)):
            guard b.readableBytes > 0 else { return nil }
            return b
        case (_, .text):
            return nil
        }
    }

    /// An agent frame as the client's message.
    func toClient(_ frame: ByteBuffer) -> WebSocketOutboundWriter.OutboundFrame {
        guard self == .v4Base64 else { return .binary(frame) }
        let bytes = Array(frame.readableBytesView)
        guard let channel = bytes.first else { return .text("") }
        return .text(String(channel) + Data(bytes.dropFirst()).base64EncodedString())
    }

    /// A `Status` on the error channel.
    func errorFrame(_ status: JSONValue) -> WebSocketOutboundWriter.OutboundFrame {
        var b = ByteBuffer()
        b.writeInteger(UInt8(3))
        b.writeBytes(status.serialized())
        return toClient(b)
    }
}
