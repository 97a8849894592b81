import Testing
@testable import TugNetwork

@Suite("DNS wire codec")
struct DNSCodecTests {
    func name(_ s: String) -> DNSName { try! DNSName(s) }

    @Test("names: presentation form, case folding, subdomains, limits")
    func names() throws {
        let n = name("Web.Default.svc.cluster.local.")
        #expect(n.description == "Web.Default.svc.cluster.local.")
        #expect(n.labelCount == 5)
        #expect(n.lowercased() == name("web.default.svc.cluster.local"))
        #expect(n.lowercased().isSubdomain(of: name("cluster.local")))
        #expect(!name("xcluster.local").isSubdomain(of: name("cluster.local")))
        #expect(name("cluster.local").isSubdomain(of: name("cluster.local")))
        #expect(name("a.b.c").parent == name("b.c"))
        #expect(DNSName.root.description == ".")
        #expect(throws: DNSNameError.self) { try DNSName("a..b") }
        #expect(throws: DNSNameError.self) { try DNSName(String(repeating: "x", count: 64) + ".com") }
        #expect(throws: DNSNameError.self) { try DNSName(Array(repeating: String(repeating: "x", count: 60), count: 5).joined(separator: ".")) }
    }

    @Test("every record kind survives encode and parse, with EDNS options and flags")
    func roundTrip() throws {
        let owner = name("web.default.svc.cluster.local")
        let message = DNSMessage(
            header: DNSHeader(id: 0xBEEF, isResponse: true, authoritative: true, recursionDesired: true, recursionAvailable: true, checkingDisabled: true, responseCode: 0),
            questions: [DNSQuestion(name: owner, type: .any)],
            answers: [
                .a(owner, [10, 43, 0, 7], ttl: 5),
                .a(owner, [0xfd, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 7], ttl: 5),
                DNSRecord(name: name("_http._tcp.web.default.svc.cluster.local"), type: .srv, ttl: 5,
                          data: .srv(priority: 0, weight: 100, port: 80, target: owner)),
                DNSRecord(name: name("alias.default.svc.cluster.local"), type: .cname, ttl: 5, data: .cname(name("example.com"))),
                DNSRecord(name: name("7.0.43.10.in-addr.arpa"), type: .ptr, ttl: 5, data: .ptr(owner)),
                DNSRecord(name: name("example.com"), type: .txt, ttl: 300, data: .txt([Array("v=spf1 -all".utf8), []])),
                DNSRecord(name: name("example.com"), type: DNSType(rawValue: 99), ttl: 1, data: .opaque([1, 2, 3])),
            ],
            authorities: [DNSRecord(name: name("cluster.local"), type: .soa, ttl: 5, data: .soa(DNSStartOfAuthority(
                primary: name("ns.dns.cluster.local"), mailbox: name("hostmaster.cluster.local"), serial: 42, refresh: 7200, retry: 1800, expire: 86400, minimum: 5)))],
            additionals: [DNSRecord(name: name("cluster.local"), type: .ns, ttl: 5, data: .ns(name("ns.dns.cluster.local")))],
            edns: DNSEDNS(udpPayloadSize: 1232, version: 0, dnssecOK: true, options: [.init(code: 10, data: [1, 2, 3, 4, 5, 6, 7, 8])]))
        let bytes = message.encoded()
        let parsed = try DNSMessage(parsing: bytes)
        #expect(parsed == message)
        #expect(parsed.edns?.udpPayloadSize == 1232)
        #expect(parsed.responseCode == .noError)
    }

    @Test("names are compressed: repeated names become two-byte pointers")
    func compression() throws {
        let owner = name("web.default.svc.cluster.local")
        var message = DNSMessage(header: DNSHeader(id: 1, isResponse: true), questions: [DNSQuestion(name: owner, type: .a)])
        for i in 0..<10 { message.answers.append(.a(owner, [10, 0, 0, UInt8(i)], ttl: 5)) }
        let bytes = message.encoded()
        // header 12 + question (31 + 4) + 10 answers of (2 pointer + 10 fixed + 4 address)
        #expect(bytes.count == 12 + 35 + 10 * 16)
        #expect(bytes[47] == 0xC0 && bytes[48] == 12)
        #expect(try DNSMessage(parsing: bytes) == message)
        // A suffix is shared too: the PTR target's `svc.cluster.local` points into the question.
        let other = DNSMessage(header: DNSHeader(id: 1), questions: [DNSQuestion(name: owner, type: .a)],
                               answers: [DNSRecord(name: name("db.default.svc.cluster.local"), type: .cname, ttl: 5, data: .cname(owner))])
        let encoded = other.encoded()
        #expect(encoded.count == 12 + 35 + (3 + 2) + 10 + 2)
        #expect(try DNSMessage(parsing: encoded) == other)
    }

    @Test("answers beyond the size limit are dropped whole and set TC; additional records go silently")
    func truncation() throws {
        let owner = name("big.default.svc.cluster.local")
        var message = DNSMessage(header: DNSHeader(id: 7, isResponse: true), questions: [DNSQuestion(name: owner, type: .a)])
        for i in 0..<100 { message.answers.append(.a(owner, [10, 42, 0, UInt8(i)], ttl: 5)) }
        let small = message.encoded(maxSize: 512)
        #expect(small.count <= 512)
        let parsed = try DNSMessage(parsing: small)
        #expect(parsed.header.truncated)
        #expect(parsed.answers.count == (512 - 12 - 35) / 16)
        let full = try DNSMessage(parsing: message.encoded(maxSize: 4096))
        #expect(!full.header.truncated && full.answers.count == 100)

        var withExtras = DNSMessage(header: DNSHeader(id: 7, isResponse: true), questions: [DNSQuestion(name: owner, type: .srv)],
                                    edns: DNSEDNS(udpPayloadSize: 512))
        withExtras.answers = [DNSRecord(name: owner, type: .srv, ttl: 5, data: .srv(priority: 0, weight: 100, port: 80, target: owner))]
        for i in 0..<100 { withExtras.additionals.append(.a(owner, [10, 42, 1, UInt8(i)], ttl: 5)) }
        let extras = try DNSMessage(parsing: withExtras.encoded(maxSize: 512))
        #expect(!extras.header.truncated)
        #expect(extras.answers.count == 1 && extras.additionals.count < 100 && extras.edns != nil)
    }

    @Test("malformed packets are errors, never crashes", arguments: [
        ("short header", [UInt8](repeating: 0, count: 11)),
        ("question cut off", [0, 1, 1, 0, 0, 1, 0, 0, 0, 0, 0, 0, 3, 0x77, 0x77]),
        ("label runs past the end", [0, 1, 1, 0, 0, 1, 0, 0, 0, 0, 0, 0, 40, 0x77, 0, 0, 1, 0, 1]),
        ("pointer to itself", [0, 1, 1, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0xC0, 12, 0, 1, 0, 1]),
        ("pointer forward", [0, 1, 1, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0xC0, 14, 0, 0, 1, 0, 1]),
        ("reserved label type", [0, 1, 1, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0x40, 0, 0, 1, 0, 1]),
        ("counts larger than the packet", [0, 1, 1, 0, 0xFF, 0xFF, 0xFF, 0xFF, 0, 0, 0, 0, 0, 0, 1, 0, 1]),
        ("trailing bytes", [0, 1, 1, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 1, 0, 1, 9]),
        ("A record with 3 bytes", [0, 1, 0x81, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 1, 0, 1, 0, 0, 0, 5, 0, 3, 1, 2, 3]),
        ("two OPT records", [0, 1, 1, 0, 0, 0, 0, 0, 0, 0, 0, 2] + [0, 0, 41, 16, 0, 0, 0, 0, 0, 0, 0] + [0, 0, 41, 16, 0, 0, 0, 0, 0, 0, 0]),
        ("record data longer than the packet", [0, 1, 0x81, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 1, 0, 1, 0, 0, 0, 5, 0, 9, 1, 2, 3]),
    ] as [(String, [UInt8])])
    func malformed(_ label: String, _ bytes: [UInt8]) {
        #expect(throws: DNSParseError.self, "\(label)") { try DNSMessage(parsing: bytes) }
    }

    @Test("a pointer loop through two names and an over-long expanded name are rejected")
    func hostileNames() {
        // Name at 12 points to 14, which points back to 12.
        let loop: [UInt8] = [0, 1, 1, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0xC0, 14, 0xC0, 12, 0, 1, 0, 1]
        #expect(throws: DNSParseError.self) { try DNSMessage(parsing: loop) }
        // 5 labels of 63 bytes: over 255 once expanded.
        var long: [UInt8] = [0, 1, 1, 0, 0, 1, 0, 0, 0, 0, 0, 0]
        for _ in 0..<5 { long += [63] + [UInt8](repeating: 0x61, count: 63) }
        long += [0, 0, 1, 0, 1]
        #expect(throws: DNSParseError.self) { try DNSMessage(parsing: long) }
    }

    @Test("random corruption of a valid answer never crashes the parser")
    func corruption() {
        let owner = name("web.default.svc.cluster.local")
        let valid = DNSMessage(header: DNSHeader(id: 3, isResponse: true), questions: [DNSQuestion(name: owner, type: .srv)],
                               answers: [DNSRecord(name: owner, type: .srv, ttl: 5, data: .srv(priority: 0, weight: 50, port: 80, target: owner))],
                               additionals: [.a(owner, [10, 0, 0, 1], ttl: 5)], edns: DNSEDNS(udpPayloadSize: 1232)).encoded()
        var generator = SplitMix(seed: 0xD15)
        var failures = 0
        for _ in 0..<5000 {
            var bytes = valid
            for _ in 0..<Int(generator.next() % 4 + 1) {
                bytes[Int(generator.next() % UInt64(bytes.count))] = UInt8(truncatingIfNeeded: generator.next())
            }
            if generator.next() % 5 == 0 { bytes.removeLast(Int(generator.next() % UInt64(bytes.count))) }
            if (try? DNSMessage(parsing: bytes)) == nil { failures += 1 }
        }
        #expect(failures > 0, "corruption produced parse errors, and none crashed")
    }
}

/// A small deterministic generator for repeatable fuzzing.
struct SplitMix {
    var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}
