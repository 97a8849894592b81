import Foundation

/// SPDY/3.1 wire format for one connection: cuts frames out of the bytes as they arrive and
/// writes frames, keeping the two header compression contexts (one per direction) that a SPDY
/// connection shares across all its frames. Each side belongs to one task.
struct SPDYFrameReader {
    private var buffer: [UInt8] = []
    private var start = 0
    private let inflater: SPDYHeaderInflater

    init() throws { inflater = try SPDYHeaderInflater() }

    mutating func append(_ bytes: some Sequence<UInt8>) {
        if start > 0, start == buffer.count { buffer.removeAll(keepingCapacity: true); start = 0 }
        buffer.append(contentsOf: bytes)
    }

    /// The next whole frame, or nil until more bytes arrive.
    mutating func next() throws -> SPDYFrame? {
        let available = buffer.count - start
        guard available >= 8 else { return nil }
        let b = start
        let length = Int(buffer[b + 5]) << 16 | Int(buffer[b + 6]) << 8 | Int(buffer[b + 7])
        guard available >= 8 + length else { return nil }
        let head = Array(buffer[b..<(b + 5)])
        let payload = Array(buffer[(b + 8)..<(b + 8 + length)])
        start += 8 + length
        if start > 64 * 1024 { buffer.removeFirst(start); start = 0 }
        let flags = head[4]
        if head[0] & 0x80 == 0 {
            return .data(streamID: Self.u31(payload: head, at: 0), fin: flags & SPDYFrame.flagFin != 0, payload: payload)
        }
        let version = UInt16(head[0] & 0x7F) << 8 | UInt16(head[1])
        guard version == SPDYFrame.version else { throw SPDYError.unsupportedVersion(version) }
        let type = UInt16(head[2]) << 8 | UInt16(head[3])
        return try control(type: type, flags: flags, payload: payload)
    }

    private func control(type: UInt16, flags: UInt8, payload p: [UInt8]) throws -> SPDYFrame {
        func need(_ n: Int, _ what: String) throws {
            guard p.count >= n else { throw SPDYError.malformed("\(what) frame of \(p.count) bytes (needs \(n))") }
        }
        let fin = flags & SPDYFrame.flagFin != 0
        switch SPDYFrame.ControlType(rawValue: type) {
        case .synStream:
            try need(10, "SYN_STREAM")
            return .synStream(streamID: Self.u31(payload: p, at: 0), associatedTo: Self.u31(payload: p, at: 4), priority: p[8] >> 5,
                              fin: fin, unidirectional: flags & SPDYFrame.flagUnidirectional != 0,
                              headers: try headerBlock(Array(p[10...])))
        case .synReply:
            try need(4, "SYN_REPLY")
            return .synReply(streamID: Self.u31(payload: p, at: 0), fin: fin, headers: try headerBlock(Array(p[4...])))
        case .rstStream:
            try need(8, "RST_STREAM")
            return .rstStream(streamID: Self.u31(payload: p, at: 0), status: SPDYFrame.RstStatus(rawValue: Self.u32(p, 4)) ?? .protocolError)
        case .settings:
            try need(4, "SETTINGS")
            let n = Int(Self.u32(p, 0))
            guard p.count >= 4 + n * 8 else { throw SPDYError.malformed("SETTINGS frame announces \(n) entries in \(p.count) bytes") }
            let entries = (0..<n).map { i in
                let o = 4 + i * 8
                return SPDYFrame.Setting(flags: p[o], id: Self.u32(p, o) & 0x00FF_FFFF, value: Self.u32(p, o + 4))
            }
            return .settings(clearSettings: fin, entries: entries)
        case .ping:
            try need(4, "PING")
            return .ping(id: Self.u32(p, 0))
        case .goAway:
            try need(4, "GOAWAY")
            return .goAway(lastGoodStreamID: Self.u31(payload: p, at: 0), status: p.count >= 8 ? Self.u32(p, 4) : 0)
        case .headers:
            try need(4, "HEADERS")
            return .headers(streamID: Self.u31(payload: p, at: 0), fin: fin, headers: try headerBlock(Array(p[4...])))
        case .windowUpdate:
            try need(8, "WINDOW_UPDATE")
            return .windowUpdate(streamID: Self.u31(payload: p, at: 0), delta: Self.u31(payload: p, at: 4))
        case nil:
            throw SPDYError.malformed("unknown control frame type \(type)")
        }
    }

    private func headerBlock(_ compressed: [UInt8]) throws -> SPDYHeaders {
        let raw = try inflater.decompress(compressed)
        var headers = SPDYHeaders()
        var i = 0
        func u32() throws -> Int {
            guard i + 4 <= raw.count else { throw SPDYError.malformed("header block ends early") }
            defer { i += 4 }
            return Int(Self.u32(raw, i))
        }
        func string(_ n: Int) throws -> String {
            guard n >= 0, i + n <= raw.count else { throw SPDYError.malformed("header block ends early") }
            defer { i += n }
            return String(decoding: raw[i..<(i + n)], as: UTF8.self)
        }
        let count = try u32()
        for _ in 0..<count {
            let name = try string(try u32())
            let value = try string(try u32())
            guard !name.isEmpty else { throw SPDYError.malformed("empty header name") }
            headers[name] = value
        }
        return headers
    }

    static func u32(_ p: [UInt8], _ o: Int) -> UInt32 {
        UInt32(p[o]) << 24 | UInt32(p[o + 1]) << 16 | UInt32(p[o + 2]) << 8 | UInt32(p[o + 3])
    }

    static func u31(payload p: [UInt8], at o: Int) -> UInt32 { u32(p, o) & 0x7FFF_FFFF }
}

/// The writing side of `SPDYFrameReader`.
struct SPDYFrameWriter {
    private let deflater: SPDYHeaderDeflater

    init() throws { deflater = try SPDYHeaderDeflater() }

    func encode(_ frame: SPDYFrame) throws -> [UInt8] {
        switch frame {
        case .data(let id, let fin, let payload):
            guard payload.count <= SPDYFrame.maxPayload else { throw SPDYError.malformed("DATA payload of \(payload.count) bytes") }
            var out = Self.be32(id & 0x7FFF_FFFF)
            out += Self.flagsAndLength(fin ? SPDYFrame.flagFin : 0, payload.count)
            return out + payload
        case .synStream(let id, let assoc, let priority, let fin, let uni, let headers):
            var body = Self.be32(id & 0x7FFF_FFFF) + Self.be32(assoc & 0x7FFF_FFFF) + [priority << 5, 0]
            body += try deflater.compress(Self.headerBlock(headers))
            return Self.control(.synStream, flags: (fin ? SPDYFrame.flagFin : 0) | (uni ? SPDYFrame.flagUnidirectional : 0), body)
        case .synReply(let id, let fin, let headers):
            let body = Self.be32(id & 0x7FFF_FFFF) + (try deflater.compress(Self.headerBlock(headers)))
            return Self.control(.synReply, flags: fin ? SPDYFrame.flagFin : 0, body)
        case .rstStream(let id, let status):
            return Self.control(.rstStream, flags: 0, Self.be32(id & 0x7FFF_FFFF) + Self.be32(status.rawValue))
        case .settings(let clear, let entries):
            var body = Self.be32(UInt32(entries.count))
            for e in entries { body += Self.be32(UInt32(e.flags) << 24 | (e.id & 0x00FF_FFFF)) + Self.be32(e.value) }
            return Self.control(.settings, flags: clear ? 1 : 0, body)
        case .ping(let id):
            return Self.control(.ping, flags: 0, Self.be32(id))
        case .goAway(let last, let status):
            return Self.control(.goAway, flags: 0, Self.be32(last & 0x7FFF_FFFF) + Self.be32(status))
        case .headers(let id, let fin, let headers):
            let body = Self.be32(id & 0x7FFF_FFFF) + (try deflater.compress(Self.headerBlock(headers)))
            return Self.control(.headers, flags: fin ? SPDYFrame.flagFin : 0, body)
        case .windowUpdate(let id, let delta):
            return Self.control(.windowUpdate, flags: 0, Self.be32(id & 0x7FFF_FFFF) + Self.be32(delta & 0x7FFF_FFFF))
        }
    }

    /// The uncompressed header block: count, then length-prefixed names and values.
    static func headerBlock(_ headers: SPDYHeaders) -> [UInt8] {
        var out = be32(UInt32(headers.fields.count))
        for f in headers.fields {
            out += be32(UInt32(f.name.utf8.count)) + Array(f.name.utf8)
            out += be32(UInt32(f.value.utf8.count)) + Array(f.value.utf8)
        }
        return out
    }

    static func control(_ type: SPDYFrame.ControlType, flags: UInt8, _ body: [UInt8]) -> [UInt8] {
        [0x80 | UInt8(SPDYFrame.version >> 8), UInt8(SPDYFrame.version & 0xFF), UInt8(type.rawValue >> 8), UInt8(type.rawValue & 0xFF)]
            + flagsAndLength(flags, body.count) + body
    }

    static func flagsAndLength(_ flags: UInt8, _ length: Int) -> [UInt8] {
        [flags, UInt8((length >> 16) & 0xFF), UInt8((length >> 8) & 0xFF), UInt8(length & 0xFF)]
    }

    static func be32(_ v: UInt32) -> [UInt8] { [UInt8(v >> 24), UInt8((v >> 16) & 0xFF), UInt8((v >> 8) & 0xFF), UInt8(v & 0xFF)] }
}
