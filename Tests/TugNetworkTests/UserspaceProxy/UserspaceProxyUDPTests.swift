import NIOCore
import Synchronization
import Testing
import TugAPI
@testable import TugNetwork

/// Real UDP through the userspace proxy: one session per client address, replies from the
/// listening address, idle sessions expiring, a bounded session table.
@Suite("UserspaceProxy UDP", .serialized)
struct UserspaceProxyUDPTests {
    typealias Socket = NIOAsyncChannel<AddressedEnvelope<ByteBuffer>, AddressedEnvelope<ByteBuffer>>

    func sessions(_ cluster: UserspaceTestCluster, _ port: Int) async -> Int? {
        await cluster.proxy.listenerStatus().first { $0.key.port == port && $0.key.proto == .udp }?.udpSessions
    }

    @Test("a datagram reaches the endpoint and the reply comes back from the NodePort; idle sessions expire",
          .timeLimit(.minutes(1)))
    func echoAndExpiry() async throws {
        let backend = try await UserspaceTestBackend.udp("u")
        var tuning = UserspaceTestCluster.fastTuning
        tuning.udpIdleTimeout = .milliseconds(500)
        try await UserspaceTestCluster.with(tuning: tuning) { cluster in
            let nodePort = try await freeNodePort()
            try await cluster.createService("dns", proto: "UDP", port: 53, nodePort: nodePort)
            try await cluster.publish("dns", backends: [backend.port], proto: "UDP")
            try await cluster.waitForListener("udp 127.0.0.1:\(nodePort)", endpoints: 1)

            let client = try await UserspaceTestClient.udpSocket()
            try await client.executeThenClose { inbound, outbound in
                var iterator = inbound.makeAsyncIterator()
                let target = try SocketAddress(ipAddress: "127.0.0.1", port: nodePort)
                try await outbound.write(AddressedEnvelope(remoteAddress: target, data: ByteBuffer(string: "ping")))
                let first = try await Self.next(&iterator)
                #expect(first?.text == "u:ping")
                #expect(first?.from.port == nodePort, "the reply must come from the address the client wrote to")

                // With no traffic the session goes; the next datagram opens a new one.
                try await eventually("the idle session to expire") { await sessions(cluster, nodePort) == 0 }
                try await outbound.write(AddressedEnvelope(remoteAddress: target, data: ByteBuffer(string: "again")))
                #expect(try await Self.next(&iterator)?.text == "u:again")
                try await eventually("a new session") { await sessions(cluster, nodePort) == 1 }
            }
        }
        await backend.stop()
    }

    @Test("each client gets its own session, up to the limit", .timeLimit(.minutes(1)))
    func boundedSessions() async throws {
        let backend = try await UserspaceTestBackend.udp("u")
        var tuning = UserspaceTestCluster.fastTuning
        tuning.maxUDPSessions = 2
        try await UserspaceTestCluster.with(tuning: tuning) { cluster in
            let nodePort = try await freeNodePort()
            try await cluster.createService("dns", proto: "UDP", port: 53, nodePort: nodePort)
            try await cluster.publish("dns", backends: [backend.port], proto: "UDP")
            try await cluster.waitForListener("udp 127.0.0.1:\(nodePort)", endpoints: 1)
            let target = try SocketAddress(ipAddress: "127.0.0.1", port: nodePort)

            let first = try await UserspaceTestClient.udpSocket()
            let second = try await UserspaceTestClient.udpSocket()
            let third = try await UserspaceTestClient.udpSocket()
            try await first.executeThenClose { firstIn, firstOut in
                try await second.executeThenClose { secondIn, secondOut in
                    try await third.executeThenClose { thirdIn, thirdOut in
                        var a = firstIn.makeAsyncIterator()
                        var b = secondIn.makeAsyncIterator()
                        var c = thirdIn.makeAsyncIterator()
                        try await firstOut.write(AddressedEnvelope(remoteAddress: target, data: ByteBuffer(string: "one")))
                        #expect(try await Self.next(&a)?.text == "u:one")
                        try await secondOut.write(AddressedEnvelope(remoteAddress: target, data: ByteBuffer(string: "two")))
                        #expect(try await Self.next(&b)?.text == "u:two")
                        #expect(await sessions(cluster, nodePort) == 2)
                        // The table is full: the third client's datagram is dropped, not answered.
                        try await thirdOut.write(AddressedEnvelope(remoteAddress: target, data: ByteBuffer(string: "three")))
                        await #expect(throws: UserspaceTestTimeout.self) { _ = try await Self.next(&c, limit: .milliseconds(500)) }
                        #expect(await sessions(cluster, nodePort) == 2)
                        // Existing sessions keep working.
                        try await firstOut.write(AddressedEnvelope(remoteAddress: target, data: ByteBuffer(string: "one more")))
                        #expect(try await Self.next(&a)?.text == "u:one more")
                    }
                }
            }
        }
        await backend.stop()
    }

    @Test("an endpoint that refuses (ICMP port unreachable) ends the session, so the client moves on",
          .timeLimit(.minutes(1)))
    func refusedSessionEnds() async throws {
        let gone = try await UserspaceTestBackend.udp("gone")
        let deadPort = gone.port
        await gone.stop()  // nothing listens there now: the kernel answers with port unreachable
        let live = try await UserspaceTestBackend.udp("live")
        try await UserspaceTestCluster.with { cluster in
            let nodePort = try await freeNodePort()
            try await cluster.createService("dns", proto: "UDP", port: 53, nodePort: nodePort)
            try await cluster.publishSlice("dns", index: 0, port: deadPort, proto: "UDP")
            try await cluster.waitForListener("udp 127.0.0.1:\(nodePort)", endpoints: 1)
            let client = try await UserspaceTestClient.udpSocket()
            try await client.executeThenClose { inbound, outbound in
                let received = Mutex<[String]>([])
                let reader = Task { for try await envelope in inbound { received.withLock { $0.append(String(buffer: envelope.data)) } } }
                defer { reader.cancel() }
                let target = try SocketAddress(ipAddress: "127.0.0.1", port: nodePort)
                try await outbound.write(AddressedEnvelope(remoteAddress: target, data: ByteBuffer(string: "anyone?")))

                try await cluster.publishSlice("dns", index: 1, port: live.port, proto: "UDP")
                try await cluster.deleteSlice("dns", index: 0)
                try await eventually("the listener forwarding to the live endpoint") {
                    await cluster.proxy.listenerStatus().first { $0.key.port == nodePort }?.endpoints == ["127.0.0.1/\(live.port)"]
                }
                // A session keeps its endpoint for its life (a minute idle here): only the refusal's
                // ending it lets this client's datagrams reach the new endpoint.
                try await eventually("a reply from the live endpoint") {
                    try await outbound.write(AddressedEnvelope(remoteAddress: target, data: ByteBuffer(string: "again")))
                    try await Task.sleep(for: .milliseconds(100))
                    return received.withLock { $0.contains("live:again") }
                }
            }
        }
        await live.stop()
    }

    /// The next datagram on `iterator` (text and source), within `limit`.
    static func next(_ iterator: inout NIOAsyncChannelInboundStream<AddressedEnvelope<ByteBuffer>>.AsyncIterator,
                     limit: Duration = .seconds(5)) async throws -> (text: String, from: SocketAddress)? {
        nonisolated(unsafe) var it = iterator
        let envelope = try await UserspaceTestClient.withTimeout(limit) { try await it.next() }
        iterator = it
        return envelope.map { (String(buffer: $0.data), $0.remoteAddress) }
    }
}
