/// Why a packet is not a well-formed DNS message; the server answers FORMERR.
public struct DNSParseError: Error, CustomStringConvertible, Sendable, Equatable {
    public let description: String
    init(_ description: String) { self.description = description }
}

/// A bounds-checked cursor over a packet. Every read checks the remaining length first (the
/// buffer's own subscript is unchecked in release builds), so a hostile packet can only
/// produce a `DNSParseError`.
struct DNSWireReader {
    let bytes: UnsafeRawBufferPointer
    private(set) var offset = 0

    init(_ bytes: UnsafeRawBufferPointer) { self.bytes = bytes }

    var remaining: Int { bytes.count - offset }

    mutating func readUInt8() throws(DNSParseError) -> UInt8 {
        guard remaining >= 1 else { throw DNSParseError("packet ends inside a field at byte \(offset)") }
        defer { offset += 1 }
        return bytes[offset]
    }

    mutating func readUInt16() throws(DNSParseError) -> UInt16 {
        guard remaining >= 2 else { throw DNSParseError("packet ends inside a field at byte \(offset)") }
        defer { offset += 2 }
        return UInt16(bytes[offset]) << 8 | UInt16(bytes[offset + 1])
    }

    mutating func readUInt32() throws(DNSParseError) -> UInt32 {
        guard remaining >= 4 else { throw DNSParseError("packet ends inside a field at byte \(offset)") }
        defer { offset += 4 }
        return UInt32(bytes[offset]) << 24 | UInt32(bytes[offset + 1]) << 16 | UInt32(bytes[offset + 2]) << 8 | UInt32(bytes[offset + 3])
    }

    mutating func readBytes(_ count: Int) throws(DNSParseError) -> [UInt8] {
        guard count >= 0, remaining >= count else { throw DNSParseError("a field of \(count) bytes runs past the end of the packet") }
        defer { offset += count }
        return Array(bytes[offset..<(offset + count)])
    }

    /// A name, following compression pointers (RFC 1035 §4.1.4). Pointers must point before the
    /// label that holds them, which rules out loops; the expanded name may not exceed 255 bytes.
    mutating func readName() throws(DNSParseError) -> DNSName {
        var wire: [UInt8] = []
        wire.reserveCapacity(32)
        var position = offset
        var resumeAt: Int? = nil
        var lowestPointerTarget = offset
        var hops = 0
        while true {
            guard position < bytes.count else { throw DNSParseError("name at byte \(offset) runs past the end of the packet") }
            let length = bytes[position]
            switch length & 0xC0 {
            case 0x00:
                if length == 0 {
                    wire.append(0)
                    offset = resumeAt ?? (position + 1)
                    return DNSName(validatedWire: wire)
                }
                let end = position + 1 + Int(length)
                guard end <= bytes.count else { throw DNSParseError("label at byte \(position) runs past the end of the packet") }
                guard wire.count + 1 + Int(length) + 1 <= DNSName.maxLength else {
                    throw DNSParseError("name at byte \(offset) is longer than 255 bytes")
                }
                wire.append(length)
                wire.append(contentsOf: bytes[(position + 1)..<end])
                position = end
            case 0xC0:
                guard position + 1 < bytes.count else { throw DNSParseError("compression pointer at byte \(position) is cut off") }
                let target = Int(length & 0x3F) << 8 | Int(bytes[position + 1])
                guard target < lowestPointerTarget else {
                    throw DNSParseError("compression pointer at byte \(position) does not point backwards")
                }
                hops += 1
                guard hops <= 127 else { throw DNSParseError("too many compression pointers in the name at byte \(offset)") }
                if resumeAt == nil { resumeAt = position + 2 }
                lowestPointerTarget = target
                position = target
            default:
                throw DNSParseError("unsupported label type 0x\(String(length, radix: 16)) at byte \(position)")
            }
        }
    }

    mutating func readQuestion() throws(DNSParseError) -> DNSQuestion {
        let name = try readName()
        let type = try readUInt16()
        let qclass = try readUInt16()
        return DNSQuestion(name: name, type: DNSType(rawValue: type), questionClass: qclass)
    }

    /// A record, or the OPT pseudo-record as `.edns`.
    enum Entry { case record(DNSRecord), edns(DNSEDNS) }

    mutating func readEntry() throws(DNSParseError) -> Entry {
        let name = try readName()
        let type = DNSType(rawValue: try readUInt16())
        let rclass = try readUInt16()
        let ttl = try readUInt32()
        let length = Int(try readUInt16())
        guard remaining >= length else { throw DNSParseError("record data of \(length) bytes runs past the end of the packet") }
        let end = offset + length
        if type == .opt {
            guard name.isRoot else { throw DNSParseError("OPT record with a non-root owner name") }
            var options: [DNSEDNS.Option] = []
            while offset < end {
                let code = try readUInt16()
                let optionLength = Int(try readUInt16())
                guard offset + optionLength <= end else { throw DNSParseError("EDNS option runs past its record") }
                options.append(DNSEDNS.Option(code: code, data: try readBytes(optionLength)))
            }
            return .edns(DNSEDNS(udpPayloadSize: rclass, extendedResponseCode: UInt8(ttl >> 24), version: UInt8((ttl >> 16) & 0xFF),
                                 dnssecOK: ttl & 0x8000 != 0, options: options))
        }
        let data: DNSRecordData
        switch type {
        case .a:
            guard length == 4 else { throw DNSParseError("A record with \(length) data bytes") }
            data = .a(try readBytes(4))
        case .aaaa:
            guard length == 16 else { throw DNSParseError("AAAA record with \(length) data bytes") }
            data = .aaaa(try readBytes(16))
        case .cname: data = .cname(try readName())
        case .ns: data = .ns(try readName())
        case .ptr: data = .ptr(try readName())
        case .srv:
            let priority = try readUInt16(), weight = try readUInt16(), port = try readUInt16()
            data = .srv(priority: priority, weight: weight, port: port, target: try readName())
        case .soa:
            let primary = try readName(), mailbox = try readName()
            data = .soa(DNSStartOfAuthority(primary: primary, mailbox: mailbox, serial: try readUInt32(), refresh: try readUInt32(),
                                            retry: try readUInt32(), expire: try readUInt32(), minimum: try readUInt32()))
        case .txt:
            var strings: [[UInt8]] = []
            while offset < end {
                let count = Int(try readUInt8())
                guard offset + count <= end else { throw DNSParseError("TXT string runs past its record") }
                strings.append(try readBytes(count))
            }
            data = .txt(strings)
        default:
            data = .opaque(try readBytes(length))
        }
        guard offset == end else { throw DNSParseError("\(type) record fields do not fill exactly its \(length) data bytes") }
        return .record(DNSRecord(name: name, type: type, recordClass: rclass, ttl: ttl, data: data))
    }

    mutating func readMessage() throws(DNSParseError) -> DNSMessage {
        guard bytes.count >= 12 else { throw DNSParseError("packet of \(bytes.count) bytes is shorter than a DNS header") }
        let id = try readUInt16()
        let header = DNSHeader(id: id, flags: try readUInt16())
        let qd = Int(try readUInt16()), an = Int(try readUInt16()), ns = Int(try readUInt16()), ar = Int(try readUInt16())
        // Every question takes at least 5 bytes and every record 11: reject impossible counts before allocating.
        guard qd * 5 + (an + ns + ar) * 11 <= remaining else {
            throw DNSParseError("section counts (\(qd), \(an), \(ns), \(ar)) do not fit in a packet of \(bytes.count) bytes")
        }
        var message = DNSMessage(header: header)
        message.questions.reserveCapacity(qd)
        for _ in 0..<qd { message.questions.append(try readQuestion()) }
        for section in 0..<3 {
            let count = section == 0 ? an : section == 1 ? ns : ar
            for _ in 0..<count {
                switch try readEntry() {
                case .record(let record):
                    if section == 0 { message.answers.append(record) } else if section == 1 { message.authorities.append(record) } else { message.additionals.append(record) }
                case .edns(let edns):
                    guard section == 2 else { throw DNSParseError("OPT record outside the additional section") }
                    guard message.edns == nil else { throw DNSParseError("more than one OPT record") }
                    message.edns = edns
                }
            }
        }
        guard remaining == 0 else { throw DNSParseError("\(remaining) bytes after the last record") }
        return message
    }
}
