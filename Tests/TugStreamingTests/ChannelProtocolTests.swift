import Foundation
import HummingbirdWebSocket
import NIOCore
import Testing
import TugAPI
@testable import TugAPIServer

@Suite struct ChannelProtocolTests {
    @Test func negotiationTakesTheClientsFirstKnownProtocol() {
        #expect(ChannelProtocol.negotiate(ChannelProtocol.offered("v5.channel.k8s.io, v4.channel.k8s.io")) == .v5)
        #expect(ChannelProtocol.negotiate(ChannelProtocol.offered("channel.k8s.io,v4.channel.k8s.io")) == .v4)
        #expect(ChannelProtocol.negotiate(ChannelProtocol.offered("v4.base64.channel.k8s.io")) == .v4Base64)
        #expect(ChannelProtocol.negotiate(ChannelProtocol.offered("SPDY/3.1+portforward.k8s.io")) == nil)
        #expect(ChannelProtocol.negotiate([]) == nil)
    }

    @Test func binaryFramesPassUnchangedAndBase64IsTranslated() {
        let stdin = ByteBuffer(bytes: [0, 0x68, 0x69])
        #expect(ChannelProtocol.v5.fromClient(.binary(stdin)) == stdin)
        #expect(ChannelProtocol.v5.fromClient(.text("0aGk=")) == nil)
        #expect(ChannelProtocol.v4Base64.fromClient(.text("0aGk=")) == stdin)
        guard case .text(let t) = ChannelProtocol.v4Base64.toClient(ByteBuffer(bytes: [1, 0x68, 0x69])) else {
            Issue.record("base64 output must be text")
            return
        }
        #expect(t == "1aGk=")
    }

    @Test func errorFrameCarriesTheStatusOnChannelThree() throws {
        guard case .binary(let b) = ChannelProtocol.v4.errorFrame(APIError.badRequest("no").status) else {
            Issue.record("binary expected")
            return
        }
        let bytes = Array(b.readableBytesView)
        #expect(bytes.first == 3)
        let status = try APICoding.decode(JSONValue.self, from: bytes.dropFirst())
        #expect(status["message"]?.stringValue == "no")
        #expect(status["status"]?.stringValue == "Failure")
    }

    @Test func queriesKeepRepeatedCommandsAndEncodeForTheAgent() {
        let q = StreamingQuery("command=sh&command=-c&command=echo+a%26b&stdin=true&container=app")
        #expect(q.all("command") == ["sh", "-c", "echo a&b"])
        #expect(q.flag("stdin"))
        #expect(!q.flag("tty"))
        #expect(StreamingQuery(q.encoded) == q)
    }
}
