/// Writes messages with name compression (RFC 1035 §4.1.4) and a size limit: a record that
/// would cross the limit is taken back whole.
struct DNSWireWriter {
    private(set) var bytes: [UInt8]
    /// Names (and their suffixes) already written, with their offsets, for compression pointers.
    private var written: [(offset: Int, suffix: ArraySlice<UInt8>)] = []

    init(capacity: Int) {
        bytes = []
        bytes.reserveCapacity(capacity)
    }

    mutating func writeUInt16(_ v: UInt16) {
        bytes.append(UInt8(v >> 8))
        bytes.append(UInt8(truncatingIfNeeded: v))
    }

    mutating func writeUInt32(_ v: UInt32) {
        bytes.append(UInt8(v >> 24))
        bytes.append(UInt8(truncatingIfNeeded: v >> 16))
        bytes.append(UInt8(truncatingIfNeeded: v >> 8))
        bytes.append(UInt8(truncatingIfNeeded: v))
    }

    private mutating func setUInt16(_ v: UInt16, at offset: Int) {
        bytes[offset] = UInt8(v >> 8)
        bytes[offset + 1] = UInt8(truncatingIfNeeded: v)
    }

    /// Writes `name`, replacing its longest suffix already in the message by a pointer when
    /// `compress` is set (SRV targets must not be compressed, RFC 2782).
    mutating func writeName(_ name: DNSName, compress: Bool = true) {
        let wire = name.wire
        var i = 0
        while wire[i] != 0 {
            let suffix = wire[i...]
            if compress, let match = written.first(where: { $0.suffix.elementsEqual(suffix) }) {
                writeUInt16(0xC000 | UInt16(match.offset))
                return
            }
            if bytes.count < 0x4000 { written.append((bytes.count, suffix)) }
            let length = Int(wire[i])
            bytes.append(contentsOf: wire[i...(i + length)])
            i += 1 + length
        }
        bytes.append(0)
    }

    mutating func writeQuestion(_ q: DNSQuestion) {
        writeName(q.name)
        writeUInt16(q.type.rawValue)
        writeUInt16(q.questionClass)
    }

    mutating func writeRecord(_ r: DNSRecord) {
        writeName(r.name)
        writeUInt16(r.type.rawValue)
        writeUInt16(r.recordClass)
        writeUInt32(r.ttl)
        let lengthAt = bytes.count
        writeUInt16(0)
        switch r.data {
        case .a(let address), .aaaa(let address): bytes += address
        case .cname(let target), .ns(let target), .ptr(let target): writeName(target)
        case .srv(let priority, let weight, let port, let target):
            writeUInt16(priority)
            writeUInt16(weight)
            writeUInt16(port)
            writeName(target, compress: false)
        case .soa(let soa):
            writeName(soa.primary)
            writeName(soa.mailbox)
            for v in [soa.serial, soa.refresh, soa.retry, soa.expire, soa.minimum] { writeUInt32(v) }
        case .txt(let strings):
            for s in strings {
                bytes.append(UInt8(min(s.count, 255)))
                bytes += s.prefix(255)
            }
        case .opaque(let data): bytes += data
        }
        setUInt16(UInt16(truncatingIfNeeded: bytes.count - lengthAt - 2), at: lengthAt)
    }

    mutating func writeEDNS(_ e: DNSEDNS) {
        bytes.append(0)
        writeUInt16(DNSType.opt.rawValue)
        writeUInt16(e.udpPayloadSize)
        writeUInt32(UInt32(e.extendedResponseCode) << 24 | UInt32(e.version) << 16 | (e.dnssecOK ? 0x8000 : 0))
        writeUInt16(UInt16(truncatingIfNeeded: e.options.reduce(0) { $0 + 4 + $1.data.count }))
        for o in e.options {
            writeUInt16(o.code)
            writeUInt16(UInt16(truncatingIfNeeded: o.data.count))
            bytes += o.data
        }
    }

    /// Takes back everything written from `offset` on.
    private mutating func rewind(to offset: Int) {
        bytes.removeSubrange(offset...)
        written.removeAll { $0.offset >= offset }
    }

    /// Appends records while they fit under `limit`; returns how many did.
    private mutating func writeRecords(_ records: [DNSRecord], limit: Int) -> Int {
        for (index, record) in records.enumerated() {
            let start = bytes.count
            writeRecord(record)
            if bytes.count > limit {
                rewind(to: start)
                return index
            }
        }
        return records.count
    }

    /// The whole message within `maxSize` (at least 512 is honoured). Answer or authority
    /// records that do not fit set TC; additional records are dropped silently (RFC 2181 §9).
    mutating func writeMessage(_ m: DNSMessage, maxSize: Int) {
        let limit = max(512, min(maxSize, 65535)) - (m.edns?.encodedSize ?? 0)
        var header = m.header
        writeUInt16(header.id)
        writeUInt16(header.flags)
        writeUInt16(UInt16(truncatingIfNeeded: m.questions.count))
        for _ in 0..<3 { writeUInt16(0) }
        for q in m.questions { writeQuestion(q) }
        let answers = writeRecords(m.answers, limit: limit)
        var authorities = 0, additionals = 0
        if answers == m.answers.count {
            authorities = writeRecords(m.authorities, limit: limit)
            if authorities == m.authorities.count { additionals = writeRecords(m.additionals, limit: limit) }
        }
        if answers < m.answers.count || authorities < m.authorities.count {
            header.truncated = true
            setUInt16(header.flags, at: 2)
        }
        if let edns = m.edns {
            writeEDNS(edns)
            additionals += 1
        }
        setUInt16(UInt16(answers), at: 6)
        setUInt16(UInt16(authorities), at: 8)
        setUInt16(UInt16(additionals), at: 10)
    }
}
