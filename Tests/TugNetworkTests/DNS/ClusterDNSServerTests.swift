import NIOCore
import NIOPosix
import Testing
import TugAPI
@testable import TugNetwork

/// Runs a server on 127.0.0.1 (free port) over `builder`'s zone for the duration of `body`.
func withDNSServer(_ builder: ClusterZoneBuilder, upstreams: [SocketAddress] = [], forwardTimeout: TimeAmount = .milliseconds(500),
                   _ body: (SocketAddress) async throws -> Void) async throws {
    var builder = builder
    let forwarder = upstreams.isEmpty ? nil : DNSForwarder(upstreams: upstreams, timeout: forwardTimeout)
    let responder = ClusterDNSResponder(zone: LiveClusterZone(builder.snapshot()), forwarder: forwarder)
    let server = ClusterDNSServer(responder: responder, listen: [try SocketAddress(ipAddress: "127.0.0.1", port: 0)])
    let address = try #require(try await server.start().first)
    do {
        try await body(address)
    } catch {
        await server.stop()
        throw error
    }
    await server.stop()
}

@Suite("Cluster DNS server over UDP and TCP")
struct ClusterDNSServerTests {
    typealias F = DNSFixtures

    func zone() throws -> ClusterZoneBuilder {
        var b = try ClusterZoneBuilder()
        b.apply(service: F.service("web", clusterIP: "10.43.0.20"))
        b.apply(service: F.service("big", clusterIP: "None"))
        b.apply(slice: F.slice("big-1", service: "big", (0..<60).map { F.EP(ip: "10.42.3.\($0 + 1)") }))
        return b
    }

    @Test("UDP: answers from the zone, echoing ID and question case, authoritative")
    func udpAnswer() async throws {
        try await withDNSServer(try zone()) { server in
            let query = DNSMessage.query(id: 0x1234, name: F.name("Web.Default.svc.cluster.local"), type: .a)
            let reply = try await DNSTestClient.udp(query, to: server)
            #expect(reply.header.id == 0x1234 && reply.header.isResponse && reply.header.authoritative && reply.header.recursionDesired)
            #expect(!reply.header.recursionAvailable, "no upstreams configured")
            #expect(reply.questions == query.questions)
            #expect(reply.answers.addresses == ["10.43.0.20"])
            #expect(reply.responseCode == .noError)

            let missing = try await DNSTestClient.udp(DNSMessage.query(id: 2, name: F.name("nope.default.svc.cluster.local"), type: .a), to: server)
            #expect(missing.responseCode == .nameError && missing.authorities.map(\.type) == [.soa])
        }
    }

    @Test("TCP: several queries on one connection, each answered")
    func tcpPipelined() async throws {
        try await withDNSServer(try zone()) { server in
            let queries = [
                DNSMessage.query(id: 1, name: F.name("web.default.svc.cluster.local"), type: .a),
                DNSMessage.query(id: 2, name: F.name("_http._tcp.web.default.svc.cluster.local"), type: .srv),
                DNSMessage.query(id: 3, name: F.name("nope.default.svc.cluster.local"), type: .a),
                DNSMessage.query(id: 4, name: F.name("big.default.svc.cluster.local"), type: .a),
            ]
            let replies = Dictionary(uniqueKeysWithValues: try await DNSTestClient.tcp(queries, to: server).map { ($0.header.id, $0) })
            #expect(replies[1]?.answers.addresses == ["10.43.0.20"])
            #expect(replies[2]?.answers.services == ["0 100 80 web.default.svc.cluster.local."])
            #expect(replies[3]?.responseCode == .nameError)
            #expect(replies[4]?.answers.count == 60 && replies[4]?.header.truncated == false, "TCP is not limited to 512 bytes")
        }
    }

    @Test("UDP answers larger than 512 bytes are truncated with TC, unless EDNS allows more")
    func truncation() async throws {
        try await withDNSServer(try zone()) { server in
            let plain = DNSMessage.query(id: 5, name: F.name("big.default.svc.cluster.local"), type: .a)
            let raw = try await DNSTestClient.udp(plain.encoded(), to: server)
            #expect(raw.count <= 512)
            let small = try DNSMessage(parsing: raw)
            #expect(small.header.truncated && small.answers.count < 60)

            let edns = DNSMessage.query(id: 6, name: F.name("big.default.svc.cluster.local"), type: .a, edns: DNSEDNS(udpPayloadSize: 4096))
            let large = try await DNSTestClient.udp(edns, to: server)
            #expect(!large.header.truncated && large.answers.count == 60 && large.edns?.udpPayloadSize == 4096)

            let modest = DNSMessage.query(id: 7, name: F.name("big.default.svc.cluster.local"), type: .a, edns: DNSEDNS(udpPayloadSize: 700))
            let modestRaw = try await DNSTestClient.udp(modest.encoded(), to: server)
            #expect(modestRaw.count <= 700 && modestRaw.count > 512)
            #expect(try DNSMessage(parsing: modestRaw).header.truncated)
        }
    }

    @Test("malformed and unsupported queries get FORMERR, NOTIMP, BADVERS, REFUSED; non-queries get nothing")
    func errors() async throws {
        try await withDNSServer(try zone()) { server in
            // A header claiming one question, then garbage.
            let garbage: [UInt8] = [0xAB, 0xCD, 0x01, 0x00, 0, 1, 0, 0, 0, 0, 0, 0, 0x3F, 0x61]
            let formerr = try DNSMessage(parsing: try await DNSTestClient.udp(garbage, to: server))
            #expect(formerr.header.id == 0xABCD && formerr.responseCode == .formatError && formerr.header.isResponse)

            var status = DNSMessage.query(id: 9, name: F.name("web.default.svc.cluster.local"), type: .a)
            status.header.opcode = 2
            #expect(try await DNSTestClient.udp(status, to: server).responseCode == .notImplemented)

            var two = DNSMessage.query(id: 10, name: F.name("web.default.svc.cluster.local"), type: .a)
            two.questions.append(two.questions[0])
            #expect(try await DNSTestClient.udp(two, to: server).responseCode == .formatError)

            let v1 = DNSMessage.query(id: 11, name: F.name("web.default.svc.cluster.local"), type: .a, edns: DNSEDNS(udpPayloadSize: 1232, version: 1))
            #expect(try await DNSTestClient.udp(v1, to: server).responseCode == .badVersion)

            var chaos = DNSMessage.query(id: 12, name: F.name("version.bind"), type: .txt)
            chaos.questions[0].questionClass = DNSClass.chaos
            #expect(try await DNSTestClient.udp(chaos, to: server).responseCode == .refused)

            let outside = try await DNSTestClient.udp(DNSMessage.query(id: 13, name: F.name("example.com"), type: .a), to: server)
            #expect(outside.responseCode == .serverFailure, "no upstreams: SERVFAIL")

            var response = DNSMessage.query(id: 14, name: F.name("web.default.svc.cluster.local"), type: .a)
            response.header.isResponse = true
            await #expect(throws: DNSTestClient.Timeout.self) { try await DNSTestClient.udp(response.encoded(), to: server, timeout: .milliseconds(300)) }
            await #expect(throws: DNSTestClient.Timeout.self) { try await DNSTestClient.udp([1, 2, 3], to: server, timeout: .milliseconds(300)) }

            // Still serving after all that.
            #expect(try await DNSTestClient.udp(DNSMessage.query(id: 15, name: F.name("web.default.svc.cluster.local"), type: .a), to: server)
                .answers.addresses == ["10.43.0.20"])
        }
    }

    @Test("a zone published while serving is answered from at once")
    func liveUpdate() async throws {
        var builder = try ClusterZoneBuilder()
        let live = LiveClusterZone(builder.snapshot())
        let server = ClusterDNSServer(responder: ClusterDNSResponder(zone: live, forwarder: nil),
                                      listen: [try SocketAddress(ipAddress: "127.0.0.1", port: 0)], udpSocketsPerAddress: 2)
        let address = try #require(try await server.start().first)
        let query = DNSMessage.query(id: 1, name: F.name("late.default.svc.cluster.local"), type: .a)
        #expect(try await DNSTestClient.udp(query, to: address).responseCode == .nameError)
        builder.apply(service: F.service("late", clusterIP: "10.43.0.99"))
        live.publish(builder.snapshot())
        #expect(try await DNSTestClient.udp(query, to: address).answers.addresses == ["10.43.0.99"])
        await server.stop()
    }
}
