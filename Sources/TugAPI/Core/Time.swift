import Foundation

/// `meta/v1.Time`: a point in time with second precision, written as RFC 3339 (`2026-01-02T15:04:05Z`).
public struct Time: Codable, Sendable, Hashable, Comparable {
    public var date: Date
    public init(_ date: Date = Date()) {
        self.date = Date(timeIntervalSince1970: floor(date.timeIntervalSince1970))
    }
    public static func now() -> Time { Time(Date()) }
    public static func < (a: Time, b: Time) -> Bool { a.date < b.date }

    /// The rules live in `init(jsonTree:)`; this is for decoders other than the tree's.
    public init(from decoder: any Decoder) throws { self = try JSONTreeCoding.decode(Self.self, from: decoder) }
    public func encode(to encoder: any Encoder) throws {
        var c = encoder.singleValueContainer()
        try c.encode(RFC3339.format(date, fractionDigits: 0))
    }
    public var rfc3339: String { RFC3339.format(date, fractionDigits: 0) }
}

/// `meta/v1.MicroTime`: RFC 3339 with microseconds (`2026-01-02T15:04:05.000123Z`).
public struct MicroTime: Codable, Sendable, Hashable, Comparable {
    public var date: Date
    public init(_ date: Date = Date()) {
        self.date = Date(timeIntervalSince1970: (date.timeIntervalSince1970 * 1_000_000).rounded(.down) / 1_000_000)
    }
    public static func now() -> MicroTime { MicroTime(Date()) }
    public static func < (a: MicroTime, b: MicroTime) -> Bool { a.date < b.date }

    /// The rules live in `init(jsonTree:)`; this is for decoders other than the tree's.
    public init(from decoder: any Decoder) throws { self = try JSONTreeCoding.decode(Self.self, from: decoder) }
    public func encode(to encoder: any Encoder) throws {
        var c = encoder.singleValueContainer()
        try c.encode(RFC3339.format(date, fractionDigits: 6))
    }
}

/// RFC 3339 formatting and parsing in UTC, without DateFormatter (slow and not Sendable).
public enum RFC3339 {
    public static func format(_ date: Date, fractionDigits: Int) -> String {
        let t = date.timeIntervalSince1970
        let secs = Int64(floor(t))
        var days = secs >= 0 ? secs / 86400 : (secs - 86399) / 86400
        let rem = secs - days * 86400
        let (h, m, s) = (rem / 3600, (rem % 3600) / 60, rem % 60)
        // Civil-from-days (Howard Hinnant's algorithm).
        days += 719468
        let era = (days >= 0 ? days : days - 146096) / 146097
        let doe = days - era * 146097
        let yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365
        var y = yoe + era * 400
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100)
        let mp = (5 * doy + 2) / 153
        let d = doy - (153 * mp + 2) / 5 + 1
        let mo = mp < 10 ? mp + 3 : mp - 9
        if mo <= 2 { y += 1 }
        func pad(_ v: Int64, _ n: Int) -> String {
            let s = String(v)
            return s.count >= n ? s : String(repeating: "0", count: n - s.count) + s
        }
        var out = "\(pad(y, 4))-\(pad(mo, 2))-\(pad(d, 2))T\(pad(h, 2)):\(pad(m, 2)):\(pad(s, 2))"
        if fractionDigits > 0 {
            var scale: Double = 1
            for _ in 0..<fractionDigits { scale *= 10 }
            let frac = Int64(((t - floor(t)) * scale).rounded(.down))
            out += "." + pad(frac, fractionDigits)
        }
        return out + "Z"
    }

    /// Parses `YYYY-MM-DDTHH:MM:SS[.frac](Z|±HH:MM)`.
    public static func parse(_ s: String) -> Date? {
        let u = Array(s.utf8)
        func num(_ from: Int, _ len: Int) -> Int64? {
            guard from + len <= u.count else { return nil }
            var v: Int64 = 0
            for i in from..<(from + len) {
                let c = u[i]
                guard c >= 48 && c <= 57 else { return nil }
                v = v * 10 + Int64(c - 48)
            }
            return v
        }
        guard u.count >= 20, let y = num(0, 4), u[4] == 45, let mo = num(5, 2), u[7] == 45, let d = num(8, 2),
              u[10] == 84 || u[10] == 116 || u[10] == 32, let h = num(11, 2), u[13] == 58, let mi = num(14, 2),
              u[16] == 58, let sec = num(17, 2),
              (1...12).contains(mo), (1...31).contains(d), h < 24, mi < 60, sec < 61 else { return nil }
        var i = 19
        var frac: Double = 0
        if i < u.count, u[i] == 46 {
            i += 1
            var scale = 0.1
            let start = i
            while i < u.count, u[i] >= 48, u[i] <= 57 { frac += Double(u[i] - 48) * scale; scale /= 10; i += 1 }
            if i == start { return nil }
        }
        guard i < u.count else { return nil }
        var offset: Int64 = 0
        if u[i] == 90 || u[i] == 122 { i += 1 }
        else if u[i] == 43 || u[i] == 45 {
            guard let oh = num(i + 1, 2), u.count > i + 3, u[i + 3] == 58, let om = num(i + 4, 2) else { return nil }
            offset = (oh * 3600 + om * 60) * (u[i] == 43 ? 1 : -1)
            i += 6
        } else { return nil }
        guard i == u.count else { return nil }
        // Days-from-civil.
        let yy = mo <= 2 ? y - 1 : y
        let era = (yy >= 0 ? yy : yy - 399) / 400
        let yoe = yy - era * 400
        let mp = mo > 2 ? mo - 3 : mo + 9
        let doy = (153 * mp + 2) / 5 + d - 1
        let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy
        let days = era * 146097 + doe - 719468
        let secs = days * 86400 + h * 3600 + mi * 60 + sec - offset
        return Date(timeIntervalSince1970: Double(secs) + frac)
    }
}
