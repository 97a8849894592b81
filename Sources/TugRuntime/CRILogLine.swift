import Foundation

/// One line of a container log file in CRI's format, which every runtime writes and the agent
/// reads for `kubectl logs`: `2016-10-06T00:17:09.669794202Z stdout F the text`. `P` marks a
/// partial line (a long line split, or output without its newline yet); `F` ends one.
public struct CRILogLine: Sendable, Hashable {
    public enum Stream: String, Sendable, Hashable { case stdout, stderr }
    public var time: Date
    /// The timestamp exactly as written (nanoseconds, `Z`), for `--timestamps`.
    public var timestamp: String
    public var stream: Stream
    public var partial: Bool
    public var content: [UInt8]

    public init(time: Date, timestamp: String? = nil, stream: Stream, partial: Bool, content: [UInt8]) {
        self.time = time
        self.timestamp = timestamp ?? Self.format(time)
        self.stream = stream
        self.partial = partial
        self.content = content
    }

    /// The line as stored, newline included.
    public var encoded: [UInt8] {
        var out = Array(timestamp.utf8)
        out.append(0x20)
        out += stream.rawValue.utf8
        out += partial ? Array(" P ".utf8) : Array(" F ".utf8)
        out += content
        out.append(0x0A)
        return out
    }

    /// Parses one stored line (without its newline); nil when it is not in CRI format.
    public static func parse<C: Collection<UInt8>>(_ line: C) -> CRILogLine? where C.Index == Int {
        let bytes = Array(line)
        guard let s1 = bytes.firstIndex(of: 0x20) else { return nil }
        let stamp = String(decoding: bytes[..<s1], as: UTF8.self)
        guard let time = parseTime(stamp) else { return nil }
        guard let s2 = bytes[(s1 + 1)...].firstIndex(of: 0x20),
              let stream = Stream(rawValue: String(decoding: bytes[(s1 + 1)..<s2], as: UTF8.self)),
              s2 + 2 <= bytes.count else { return nil }
        let tag = bytes[s2 + 1]
        guard tag == UInt8(ascii: "F") || tag == UInt8(ascii: "P") else { return nil }
        let contentStart = min(bytes.count, s2 + 3)
        return CRILogLine(time: time, timestamp: stamp, stream: stream, partial: tag == UInt8(ascii: "P"),
                          content: Array(bytes[contentStart...]))
    }

    /// RFC 3339 with nanoseconds in UTC, as CRI and `kubectl logs --timestamps` print it.
    public static func format(_ date: Date) -> String {
        let seconds = date.timeIntervalSince1970
        var whole = seconds.rounded(.down)
        var nanos = Int(((seconds - whole) * 1e9).rounded())
        if nanos >= 1_000_000_000 { whole += 1; nanos -= 1_000_000_000 }
        var t = time_t(whole)
        var parts = tm()
        gmtime_r(&t, &parts)
        func pad(_ v: Int32, _ n: Int) -> String { let s = String(v); return String(repeating: "0", count: max(0, n - s.count)) + s }
        let ns = String(nanos)
        return "\(pad(parts.tm_year + 1900, 4))-\(pad(parts.tm_mon + 1, 2))-\(pad(parts.tm_mday, 2))T"
            + "\(pad(parts.tm_hour, 2)):\(pad(parts.tm_min, 2)):\(pad(parts.tm_sec, 2))."
            + String(repeating: "0", count: 9 - ns.count) + ns + "Z"
    }

    /// Parses `YYYY-MM-DDTHH:MM:SS[.fraction](Z|±HH:MM)`.
    public static func parseTime(_ s: String) -> Date? {
        let u = Array(s.utf8)
        guard u.count >= 20, u[4] == 0x2D, u[7] == 0x2D, u[10] == 0x54, u[13] == 0x3A, u[16] == 0x3A else { return nil }
        func num(_ r: Range<Int>) -> Int? {
            var v = 0
            for i in r { let d = Int(u[i]) - 48; guard (0...9).contains(d) else { return nil }; v = v * 10 + d }
            return v
        }
        guard let y = num(0..<4), let mo = num(5..<7), let d = num(8..<10), let h = num(11..<13), let mi = num(14..<16),
              let se = num(17..<19) else { return nil }
        var i = 19
        var fraction = 0.0
        if i < u.count, u[i] == 0x2E {
            i += 1
            var scale = 0.1
            while i < u.count, (48...57).contains(u[i]) { fraction += Double(u[i] - 48) * scale; scale /= 10; i += 1 }
        }
        var offset = 0
        guard i < u.count else { return nil }
        if u[i] == 0x5A { i += 1 } else if u[i] == 0x2B || u[i] == 0x2D, i + 6 <= u.count, let oh = num((i + 1)..<(i + 3)),
                                           let om = num((i + 4)..<(i + 6)) {
            offset = (oh * 3600 + om * 60) * (u[i] == 0x2D ? -1 : 1)
            i += 6
        } else { return nil }
        guard i == u.count else { return nil }
        var parts = tm()
        parts.tm_year = Int32(y - 1900)
        parts.tm_mon = Int32(mo - 1)
        parts.tm_mday = Int32(d)
        parts.tm_hour = Int32(h)
        parts.tm_min = Int32(mi)
        parts.tm_sec = Int32(se)
        let epoch = timegm(&parts)
        return Date(timeIntervalSince1970: Double(epoch - offset) + fraction)
    }
}
