import AsyncHTTPClient
import Foundation
import HTTPTypes
import HummingbirdWSClient
import Logging
import NIOCore
import Testing
import TugAPI
import TugRuntime
@testable import TugAPIServer

/// What a channel-protocol client saw: output per channel, and the socket's end.
actor ChannelTranscript {
    var channels: [UInt8: [UInt8]] = [:]
    func add(_ frame: ByteBuffer) {
        let bytes = Array(frame.readableBytesView)
        guard let ch = bytes.first else { return }
        channels[ch, default: []] += bytes.dropFirst()
    }
    func text(_ ch: UInt8) -> String { String(decoding: channels[ch] ?? [], as: UTF8.self) }
    func status() throws -> JSONValue { try APICoding.decode(JSONValue.self, from: channels[3] ?? []) }
}

@Suite(.serialized) struct StreamingIntegrationTests {
    static let logger = Logger(label: "streaming-client")

    /// Runs a `v5.channel.k8s.io` client session: sends `send` (channel-prefixed), then reads
    /// until the server closes.
    func channelSession(_ url: String, protocol proto: String = "v5.channel.k8s.io", send: [[UInt8]]) async throws -> ChannelTranscript {
        let transcript = ChannelTranscript()
        var config = WebSocketClientConfiguration(maxFrameSize: 1 << 20)
        config.additionalHeaders = [.secWebSocketProtocol: proto]
        let client = WebSocketClient(url: url, configuration: config, logger: Self.logger) { inbound, outbound, _ in
            for frame in send { try await outbound.write(.binary(ByteBuffer(bytes: frame))) }
            // Like kubectl: read until the Status on channel 3, then close.
            for try await message in inbound.messages(maxSize: 1 << 24) {
                if case .binary(let b) = message { await transcript.add(b) }
                if await transcript.channels[3] != nil { break }
            }
        }
        try await client.run()
        return transcript
    }

    @Test func logsTailTimestampsErrorsAndFollow() async throws {
        let cluster = try await StreamingCluster.start()
        defer { Task { await cluster.stop() } }
        let (code, body) = try await cluster.get("/api/v1/namespaces/default/pods/web/log?tailLines=2&timestamps=true")
        #expect(code == 200)
        #expect(body == "2023-11-14T22:13:21.000000000Z beta\n2023-11-14T22:13:22.000000000Z gamma\n")
        #expect(try await cluster.get("/api/v1/namespaces/default/pods/web/log?container=app").1 == "alpha\nbeta\ngamma\n")

        let (c2, b2) = try await cluster.get("/api/v1/namespaces/default/pods/two/log")
        #expect(c2 == 400)
        #expect(b2.contains("a container name must be specified for pod two, choose one of: [a b]"))
        let (c3, b3) = try await cluster.get("/api/v1/namespaces/default/pods/two/log?container=zz")
        #expect(c3 == 400)
        #expect(b3.contains("container zz is not valid for pod two"))
        let (c4, b4) = try await cluster.get("/api/v1/namespaces/default/pods/waiting/log")
        #expect(c4 == 400)
        #expect(b4.contains(#"container \"app\" in pod \"waiting\" is waiting to start: ContainerCreating"#))
        let (c5, b5) = try await cluster.get("/api/v1/namespaces/default/pods/web/log?previous=true")
        #expect(c5 == 400)
        #expect(b5.contains(#"previous terminated container \"app\" in pod \"web\" not found"#))
        let (c6, _) = try await cluster.get("/api/v1/namespaces/default/pods/nope/log")
        #expect(c6 == 404)
        let (c7, b7) = try await cluster.get("/api/v1/namespaces/default/pods/web/log?tailLines=-3")
        #expect(c7 == 400)
        #expect(b7.contains("tailLines"))

        // Follow: new lines arrive as written; the stream ends when the container stops.
        let response = try await HTTPClient.shared.execute(
            HTTPClientRequest(url: cluster.base + "/api/v1/namespaces/default/pods/web/log?follow=true&tailLines=1"), timeout: .seconds(60))
        #expect(response.status == .ok)
        let seen = Collected()
        let reader = Task {
            for try await chunk in response.body { await seen.add(Array(chunk.readableBytesView)) }
        }
        try await waitFor { await seen.text == "gamma\n" }
        let handle = try FileHandle(forWritingTo: URL(fileURLWithPath: cluster.logPath))
        try handle.seekToEnd()
        try handle.write(contentsOf: Data(CRILogLine(time: Date(), stream: .stdout, partial: false, content: Array("delta".utf8)).encoded))
        try handle.close()
        try await waitFor { await seen.text == "gamma\ndelta\n" }
        await cluster.states.stop("app")
        try await reader.value
        #expect(await seen.text == "gamma\ndelta\n")
    }

    @Test func execRelaysStdinOutputAndTheExitCodeStatus() async throws {
        let cluster = try await StreamingCluster.start()
        defer { Task { await cluster.stop() } }
        let url = cluster.wsBase + "/api/v1/namespaces/default/pods/web/exec?command=cat&command=3&stdin=true&stdout=true&stderr=true"
        let t = try await channelSession(url, send: [[0] + Array("hello".utf8), [255, 0]])
        #expect(await t.text(1) == "hellodone cat 3")
        #expect(await t.text(2) == "err:hello")
        let status = try await t.status()
        #expect(status["status"]?.stringValue == "Failure")
        #expect(status["reason"]?.stringValue == "NonZeroExitCode")
        #expect(status["details"]?["causes"]?.arrayValue?.first?["reason"]?.stringValue == "ExitCode")
        #expect(status["details"]?["causes"]?.arrayValue?.first?["message"]?.stringValue == "3")

        // Exit code 0 is a Success status; v4 clients get the same frames.
        let ok = try await channelSession(cluster.wsBase + "/api/v1/namespaces/default/pods/web/exec?command=exit&command=0&stdout=true",
                                          protocol: "v4.channel.k8s.io", send: [])
        #expect(try await ok.status()["status"]?.stringValue == "Success")
    }

    @Test func execWithATerminalGetsResizesAndOneOutput() async throws {
        let cluster = try await StreamingCluster.start()
        defer { Task { await cluster.stop() } }
        let url = cluster.wsBase + "/api/v1/namespaces/default/pods/web/exec?command=sh&stdin=true&stdout=true&stderr=true&tty=true"
        let t = try await channelSession(url, send: [[4] + Array(#"{"Width":80,"Height":24}"#.utf8), [0] + Array("x".utf8), [255, 0]])
        // With a TTY there is no separate stderr.
        #expect(await t.text(1) == "size 80x24\nxdone sh")
        #expect(await t.text(2) == "")
        #expect(try await t.status()["status"]?.stringValue == "Success")
    }

    @Test func execAndAttachRefusalsArriveOnTheErrorChannel() async throws {
        let cluster = try await StreamingCluster.start()
        defer { Task { await cluster.stop() } }
        let waiting = try await channelSession(cluster.wsBase + "/api/v1/namespaces/default/pods/waiting/exec?command=ls&stdout=true", send: [])
        #expect(try await waiting.status()["message"]?.stringValue == #"container "app" in pod "waiting" is waiting to start: ContainerCreating"#)
        let two = try await channelSession(cluster.wsBase + "/api/v1/namespaces/default/pods/two/exec?command=ls&stdout=true", send: [])
        #expect(try await two.status()["message"]?.stringValue == "a container name must be specified for pod two, choose one of: [a b]")
        let none = try await channelSession(cluster.wsBase + "/api/v1/namespaces/default/pods/web/exec?stdout=true", send: [])
        #expect(try await none.status()["message"]?.stringValue == "you must specify at least one command for the container")
        // Without an upgrade the same checks answer as plain HTTP.
        let (code, body) = try await cluster.get("/api/v1/namespaces/default/pods/two/exec?command=ls&stdout=true&container=zz")
        #expect(code == 400)
        #expect(body.contains("container zz is not valid for pod two"))
        let (code2, body2) = try await cluster.get("/api/v1/namespaces/default/pods/web/exec?command=ls&stdout=true")
        #expect(code2 == 400)
        #expect(body2.contains("Upgrade request required"))
    }

    @Test func attachWiresStdinToTheMainProcess() async throws {
        let cluster = try await StreamingCluster.start()
        defer { Task { await cluster.stop() } }
        let url = cluster.wsBase + "/api/v1/namespaces/default/pods/two/attach?container=b&stdin=true&stdout=true"
        let t = try await channelSession(url, send: [[0] + Array("hi".utf8), [255, 0]])
        #expect(await t.text(1) == "attached:hi")
        #expect(try await t.status()["status"]?.stringValue == "Success")
    }

    @Test func portForwardOverSPDYTunnelledInAWebSocket() async throws {
        let cluster = try await StreamingCluster.start()
        defer { Task { await cluster.stop() } }
        let frames = FrameLog()
        var config = WebSocketClientConfiguration(maxFrameSize: 1 << 20)
        config.additionalHeaders = [.secWebSocketProtocol: "SPDY/3.1+portforward.k8s.io"]
        let url = cluster.wsBase + "/api/v1/namespaces/default/pods/web/portforward"
        let client = WebSocketClient(url: url, configuration: config, logger: Self.logger) { inbound, outbound, _ in
            let writer = try SPDYFrameWriter()
            var reader = try SPDYFrameReader()
            func send(_ f: SPDYFrame) async throws { try await outbound.write(.binary(ByteBuffer(bytes: try writer.encode(f)))) }
            // kubectl's connection 0: error stream, data stream, bytes, then its FIN.
            try await send(.synStream(streamID: 1, associatedTo: 0, priority: 0, fin: false, unidirectional: false,
                                      headers: ["streamtype": "error", "port": "8080", "requestid": "0"]))
            try await send(.data(streamID: 1, fin: true, payload: []))
            try await send(.synStream(streamID: 3, associatedTo: 0, priority: 0, fin: false, unidirectional: false,
                                      headers: ["streamtype": "data", "port": "8080", "requestid": "0"]))
            try await send(.ping(id: 1))
            try await send(.data(streamID: 3, fin: false, payload: Array("hello pod".utf8)))
            try await send(.data(streamID: 3, fin: true, payload: []))
            // Connection 1 to a port nothing listens on: its error stream says so.
            try await send(.synStream(streamID: 5, associatedTo: 0, priority: 0, fin: false, unidirectional: false,
                                      headers: ["streamtype": "error", "port": "9999", "requestid": "1"]))
            try await send(.synStream(streamID: 7, associatedTo: 0, priority: 0, fin: false, unidirectional: false,
                                      headers: ["streamtype": "data", "port": "9999", "requestid": "1"]))
            for try await message in inbound.messages(maxSize: 1 << 24) {
                guard case .binary(let b) = message else { continue }
                reader.append(b.readableBytesView)
                while let f = try reader.next() { await frames.add(f) }
                if await frames.done { break }
            }
        }
        try await client.run()
        let all = await frames.frames
        #expect(all.contains(.synReply(streamID: 1, fin: false, headers: SPDYHeaders())))
        #expect(all.contains(.synReply(streamID: 3, fin: false, headers: SPDYHeaders())))
        #expect(all.contains(.ping(id: 1)))
        #expect(await frames.payload(3) == "HELLO POD")
        #expect(all.contains(.data(streamID: 3, fin: true, payload: [])))
        #expect(all.contains(.data(streamID: 1, fin: true, payload: [])))
        #expect(await frames.payload(1) == "")
        #expect(await frames.payload(5).contains("error forwarding port 9999 to pod default/web"))
    }
}

extension StreamingIntegrationTests {
    @Test func portForwardOverTheOlderChannelProtocol() async throws {
        let cluster = try await StreamingCluster.start()
        defer { Task { await cluster.stop() } }
        let transcript = ChannelTranscript()
        let opened = ChannelTranscript()
        var config = WebSocketClientConfiguration(maxFrameSize: 1 << 20)
        config.additionalHeaders = [.secWebSocketProtocol: "v4.channel.k8s.io"]
        let url = cluster.wsBase + "/api/v1/namespaces/default/pods/web/portforward?ports=8080,9999"
        let client = WebSocketClient(url: url, configuration: config, logger: Self.logger) { inbound, outbound, _ in
            try await outbound.write(.binary(ByteBuffer(bytes: [0] + Array("abc".utf8))))
            var seen = 0
            for try await message in inbound.messages(maxSize: 1 << 24) {
                guard case .binary(let b) = message else { continue }
                seen += 1
                // The first frame of each of the four channels is its port.
                if seen <= 4 { await opened.add(b) } else { await transcript.add(b) }
                if await transcript.text(0) == "ABC", await !transcript.text(3).isEmpty { break }
            }
        }
        try await client.run()
        #expect(await opened.channels[0] == [0x90, 0x1F])
        #expect(await opened.channels[1] == [0x90, 0x1F])
        #expect(await opened.channels[2] == [0x0F, 0x27])
        #expect(await opened.channels[3] == [0x0F, 0x27])
        #expect(await transcript.text(0) == "ABC")
        #expect(await transcript.text(3).contains("error forwarding port 9999"))
    }
}

/// The SPDY frames a port-forward client received.
actor FrameLog {
    var frames: [SPDYFrame] = []
    func add(_ f: SPDYFrame) { frames.append(f) }
    func payload(_ stream: UInt32) -> String {
        String(decoding: frames.flatMap { f -> [UInt8] in
            if case .data(stream, _, let p) = f { return p }
            return []
        }, as: UTF8.self)
    }
    /// Both connections' error streams have ended.
    var done: Bool {
        frames.contains(.data(streamID: 1, fin: true, payload: [])) && frames.contains(.data(streamID: 5, fin: true, payload: []))
            && frames.contains(.ping(id: 1))
    }
}
