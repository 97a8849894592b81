/// The fixed 12-byte header (RFC 1035 §4.1.1) without its section counts, which the codec
/// derives from the sections.
public struct DNSHeader: Hashable, Sendable {
    public var id: UInt16
    public var isResponse: Bool
    public var opcode: UInt8
    public var authoritative: Bool
    public var truncated: Bool
    public var recursionDesired: Bool
    public var recursionAvailable: Bool
    public var authenticData: Bool
    public var checkingDisabled: Bool
    /// The lower 4 bits of the response code.
    public var responseCode: UInt8

    public init(id: UInt16, isResponse: Bool = false, opcode: UInt8 = 0, authoritative: Bool = false, truncated: Bool = false,
                recursionDesired: Bool = false, recursionAvailable: Bool = false, authenticData: Bool = false,
                checkingDisabled: Bool = false, responseCode: UInt8 = 0) {
        self.id = id
        self.isResponse = isResponse
        self.opcode = opcode
        self.authoritative = authoritative
        self.truncated = truncated
        self.recursionDesired = recursionDesired
        self.recursionAvailable = recursionAvailable
        self.authenticData = authenticData
        self.checkingDisabled = checkingDisabled
        self.responseCode = responseCode
    }

    /// The two flag bytes of the wire header.
    var flags: UInt16 {
        var f: UInt16 = 0
        if isResponse { f |= 0x8000 }
        f |= UInt16(opcode & 0x0F) << 11
        if authoritative { f |= 0x0400 }
        if truncated { f |= 0x0200 }
        if recursionDesired { f |= 0x0100 }
        if recursionAvailable { f |= 0x0080 }
        if authenticData { f |= 0x0020 }
        if checkingDisabled { f |= 0x0010 }
        f |= UInt16(responseCode & 0x0F)
        return f
    }

    init(id: UInt16, flags f: UInt16) {
        self.init(id: id, isResponse: f & 0x8000 != 0, opcode: UInt8((f >> 11) & 0x0F), authoritative: f & 0x0400 != 0,
                  truncated: f & 0x0200 != 0, recursionDesired: f & 0x0100 != 0, recursionAvailable: f & 0x0080 != 0,
                  authenticData: f & 0x0020 != 0, checkingDisabled: f & 0x0010 != 0, responseCode: UInt8(f & 0x0F))
    }
}

/// A whole DNS message. EDNS' OPT record lives in `edns`, not in `additionals`.
public struct DNSMessage: Hashable, Sendable {
    public var header: DNSHeader
    public var questions: [DNSQuestion]
    public var answers: [DNSRecord]
    public var authorities: [DNSRecord]
    public var additionals: [DNSRecord]
    public var edns: DNSEDNS?

    public init(header: DNSHeader, questions: [DNSQuestion] = [], answers: [DNSRecord] = [], authorities: [DNSRecord] = [],
                additionals: [DNSRecord] = [], edns: DNSEDNS? = nil) {
        self.header = header
        self.questions = questions
        self.answers = answers
        self.authorities = authorities
        self.additionals = additionals
        self.edns = edns
    }

    /// The full response code: 4 bits in the header, 8 more in the OPT record.
    public var responseCode: DNSResponseCode {
        get { DNSResponseCode(rawValue: UInt16(edns?.extendedResponseCode ?? 0) << 4 | UInt16(header.responseCode)) }
        set {
            header.responseCode = UInt8(newValue.rawValue & 0x0F)
            if edns != nil { edns!.extendedResponseCode = UInt8(truncatingIfNeeded: newValue.rawValue >> 4) }
        }
    }

    /// A query for one name and type, recursion desired (what stub resolvers send).
    public static func query(id: UInt16, name: DNSName, type: DNSType, edns: DNSEDNS? = nil) -> DNSMessage {
        DNSMessage(header: DNSHeader(id: id, recursionDesired: true), questions: [DNSQuestion(name: name, type: type)], edns: edns)
    }

    /// Parses a message strictly: every length is checked against the packet, compression
    /// pointers may only point backwards, and trailing or missing bytes are errors.
    public init(parsing bytes: [UInt8]) throws(DNSParseError) {
        let result = bytes.withUnsafeBytes { raw -> Result<DNSMessage, DNSParseError> in
            var reader = DNSWireReader(raw)
            do throws(DNSParseError) { return .success(try reader.readMessage()) } catch { return .failure(error) }
        }
        self = try result.get()
    }

    /// Wire form; compressed, and never longer than `maxSize`: records that do not fit are
    /// dropped and, when an answer or authority record had to go, the TC bit is set.
    public func encoded(maxSize: Int = 65535) -> [UInt8] {
        var writer = DNSWireWriter(capacity: 512)
        writer.writeMessage(self, maxSize: maxSize)
        return writer.bytes
    }
}
