import Foundation
import NIOCore
import Testing
import TugAPI
@testable import TugNetwork

@Suite("Cluster DNS forwarding to upstream resolvers")
struct DNSForwardingTests {
    typealias F = DNSFixtures
    static let records: [String: [UInt8]] = ["example.com.": [93, 184, 216, 34], "db.example.com.": [192, 0, 2, 7], "big.example.com.": [192, 0, 2, 8]]

    func query(_ name: String, _ type: DNSType, id: UInt16 = 0x4242) -> DNSMessage { DNSMessage.query(id: id, name: F.name(name), type: type) }

    @Test("names outside the cluster are answered by the upstream, NXDOMAIN passed through, RA set")
    func forwards() async throws {
        let upstream = try await FakeUpstream.start(records: Self.records)
        defer { Task { await upstream.stop() } }
        try await withDNSServer(try ClusterZoneBuilder(), upstreams: [upstream.address]) { server in
            let reply = try await DNSTestClient.udp(query("Example.com", .a), to: server)
            #expect(reply.header.id == 0x4242 && reply.header.recursionAvailable && !reply.header.authoritative)
            #expect(reply.answers.addresses == ["93.184.216.34"])
            #expect(reply.questions.first?.name == F.name("Example.com"))
            #expect(try await DNSTestClient.udp(query("missing.example.com", .a), to: server).responseCode == .nameError)
            // Unknown reverse names fall through to the upstream too.
            #expect(try await DNSTestClient.udp(query("1.2.0.192.in-addr.arpa", .ptr), to: server).responseCode == .nameError)
            let tcp = try await DNSTestClient.tcp([query("example.com", .a, id: 1), query("db.example.com", .a, id: 2)], to: server)
            #expect(Set(tcp.map { $0.answers.addresses }) == [["93.184.216.34"], ["192.0.2.7"]])
            #expect(upstream.udpQueries.load(ordering: .relaxed) >= 5)
        }
    }

    @Test("a truncated UDP answer from the upstream is fetched again over TCP")
    func truncatedUpstream() async throws {
        let upstream = try await FakeUpstream.start(records: Self.records, mode: .truncateUDP)
        defer { Task { await upstream.stop() } }
        try await withDNSServer(try ClusterZoneBuilder(), upstreams: [upstream.address]) { server in
            let reply = try await DNSTestClient.udp(query("example.com", .a), to: server)
            #expect(reply.answers.addresses == ["93.184.216.34"] && !reply.header.truncated)
            #expect(upstream.tcpQueries.load(ordering: .relaxed) == 1)
        }
    }

    @Test("one lost UDP answer is retried; an upstream that never answers gives SERVFAIL after one retry")
    func retryAndFailure() async throws {
        let flaky = try await FakeUpstream.start(records: Self.records, mode: .dropFirstUDP)
        defer { Task { await flaky.stop() } }
        try await withDNSServer(try ClusterZoneBuilder(), upstreams: [flaky.address], forwardTimeout: .milliseconds(300)) { server in
            let reply = try await DNSTestClient.udp(query("example.com", .a), to: server)
            #expect(reply.answers.addresses == ["93.184.216.34"])
            #expect(flaky.udpQueries.load(ordering: .relaxed) == 2)
        }
        let silent = try await FakeUpstream.start(records: Self.records, mode: .silent)
        defer { Task { await silent.stop() } }
        try await withDNSServer(try ClusterZoneBuilder(), upstreams: [silent.address], forwardTimeout: .milliseconds(300)) { server in
            let reply = try await DNSTestClient.udp(query("example.com", .a), to: server)
            #expect(reply.responseCode == .serverFailure && reply.header.id == 0x4242)
            #expect(silent.udpQueries.load(ordering: .relaxed) == 2)
        }
    }

    @Test("with two upstreams the retry goes to the second")
    func secondUpstream() async throws {
        let silent = try await FakeUpstream.start(records: Self.records, mode: .silent)
        let good = try await FakeUpstream.start(records: Self.records)
        defer { Task { await silent.stop(); await good.stop() } }
        try await withDNSServer(try ClusterZoneBuilder(), upstreams: [silent.address, good.address], forwardTimeout: .milliseconds(300)) { server in
            let reply = try await DNSTestClient.udp(query("db.example.com", .a), to: server)
            #expect(reply.answers.addresses == ["192.0.2.7"])
            #expect(silent.udpQueries.load(ordering: .relaxed) == 1 && good.udpQueries.load(ordering: .relaxed) == 1)
        }
    }

    @Test("an upstream answer too large for the client's UDP size is truncated with TC; TCP gets it whole")
    func largeForwardedAnswer() async throws {
        let upstream = try await FakeUpstream.start(records: Self.records)
        defer { Task { await upstream.stop() } }
        try await withDNSServer(try ClusterZoneBuilder(), upstreams: [upstream.address]) { server in
            let raw = try await DNSTestClient.udp(query("big.example.com", .txt).encoded(), to: server)
            #expect(raw.count <= 512)
            let small = try DNSMessage(parsing: raw)
            #expect(small.header.truncated && small.header.id == 0x4242)
            let whole = try await DNSTestClient.tcp([query("big.example.com", .txt)], to: server)
            #expect(whole.first?.answers.count == 40)
        }
    }

    @Test("ExternalName: the CNAME from the zone, then the target's records from the upstream")
    func externalNameChase() async throws {
        let upstream = try await FakeUpstream.start(records: Self.records)
        defer { Task { await upstream.stop() } }
        var b = try ClusterZoneBuilder()
        b.apply(service: F.service("ext", clusterIP: nil, type: "ExternalName", externalName: "db.example.com"))
        try await withDNSServer(b, upstreams: [upstream.address]) { server in
            let reply = try await DNSTestClient.udp(query("ext.default.svc.cluster.local", .a), to: server)
            #expect(reply.answers.map(\.type) == [.cname, .a])
            #expect(reply.answers.targets == ["db.example.com."] && reply.answers.addresses == ["192.0.2.7"])
            #expect(reply.responseCode == .noError)
        }
    }
}

@Suite("DNS upstream configuration")
struct DNSUpstreamsTests {
    @Test("addresses with and without ports, IPv4 and IPv6; bad ones are refused with a reason")
    func parse() throws {
        #expect(try DNSUpstreams.parse("1.1.1.1") == SocketAddress(ipAddress: "1.1.1.1", port: 53))
        #expect(try DNSUpstreams.parse("127.0.0.1:5353") == SocketAddress(ipAddress: "127.0.0.1", port: 5353))
        #expect(try DNSUpstreams.parse("2001:db8::1") == SocketAddress(ipAddress: "2001:db8::1", port: 53))
        #expect(try DNSUpstreams.parse("[2001:db8::1]:5300") == SocketAddress(ipAddress: "2001:db8::1", port: 5300))
        for bad in ["resolver.example", "1.1.1.1:0", "1.1.1.1:x", "[::1", "[::1]x"] {
            #expect(throws: DNSUpstreamError.self, "\(bad)") { try DNSUpstreams.parse(bad) }
        }
    }

    @Test("resolv.conf: nameserver lines in order; the server's own address is left out")
    func resolvConf() throws {
        let text = "# generated\nsearch example.com\nnameserver 10.0.0.2\nnameserver\t10.43.0.10\noptions ndots:5\nnameserver fe80::1%eth0\n"
        #expect(DNSUpstreams.nameservers(inResolvConf: text) == ["10.0.0.2", "10.43.0.10", "fe80::1%eth0"])
        let path = "/tmp/tug-dns-resolv-\(UInt32.random(in: 0...UInt32.max)).conf"
        try text.write(toFile: path, atomically: true, encoding: .utf8)
        defer { try? FileManager.default.removeItem(atPath: path) }
        let upstreams = try DNSUpstreams.fromResolvConf(path: path, excluding: [try SocketAddress(ipAddress: "10.43.0.10", port: 53)])
        #expect(upstreams == [try SocketAddress(ipAddress: "10.0.0.2", port: 53), try SocketAddress(ipAddress: "fe80::1", port: 53)])
        #expect(throws: DNSUpstreamError.self) { try DNSUpstreams.fromResolvConf(path: "/nonexistent/resolv.conf") }
    }
}
