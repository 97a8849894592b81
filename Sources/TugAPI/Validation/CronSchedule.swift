import Foundation
import TugAPI

/// A CronJob schedule as Kubernetes parses it (robfig/cron's standard parser): five fields
/// (minute, hour, day of month, month, day of week) with `*`, `?`, ranges, steps, lists and
/// month/day names, or a descriptor (`@hourly`, `@every 1h30m`, …). Errors carry the
/// parser's messages, which Kubernetes returns verbatim. Shared by CronJob validation (API
/// server) and the CronJob controller, which computes activation times from it.
public struct CronSchedule: Sendable, Hashable {
    /// Allowed values per field, in field order.
    public var fields: [Set<Int>]
    /// Per field, whether it was `*` or `?` (without a step over 1): day of month and day of
    /// week then combine with AND instead of OR, as in cron.
    public var stars: [Bool] = []
    /// `@every`: a fixed interval instead of fields.
    public var every: TimeInterval?
    /// The zone of a `TZ=`/`CRON_TZ=` prefix.
    public var location: String?

    public struct ParseError: Error, Equatable, CustomStringConvertible {
        public var message: String
        public init(message: String) { self.message = message }
        public var description: String { message }
    }

    struct Bounds {
        var min: Int
        var max: Int
        var names: [String: Int] = [:]
    }

    static let bounds: [Bounds] = [
        Bounds(min: 0, max: 59), Bounds(min: 0, max: 23), Bounds(min: 1, max: 31),
        Bounds(min: 1, max: 12, names: ["jan": 1, "feb": 2, "mar": 3, "apr": 4, "may": 5, "jun": 6,
                                        "jul": 7, "aug": 8, "sep": 9, "oct": 10, "nov": 11, "dec": 12]),
        Bounds(min: 0, max: 6, names: ["sun": 0, "mon": 1, "tue": 2, "wed": 3, "thu": 4, "fri": 5, "sat": 6]),
    ]

    static let descriptors = ["@yearly": "0 0 1 1 *", "@annually": "0 0 1 1 *", "@monthly": "0 0 1 * *",
                              "@weekly": "0 0 * * 0", "@daily": "0 0 * * *", "@midnight": "0 0 * * *", "@hourly": "0 * * * *"]

    public init(parsing spec: String) throws(ParseError) {
        var spec = spec
        if spec.isEmpty { throw ParseError(message: "empty spec string") }
        if spec.hasPrefix("TZ=") || spec.hasPrefix("CRON_TZ=") {
            let parts = spec.split(separator: " ", maxSplits: 1, omittingEmptySubsequences: true)
            let zone = parts[0].split(separator: "=", maxSplits: 1).last.map(String.init) ?? ""
            if TimeZone(identifier: zone) == nil { throw ParseError(message: "provided bad location \(zone): unknown time zone \(zone)") }
            location = zone
            spec = parts.count > 1 ? String(parts[1]) : ""
        }
        if spec.hasPrefix("@") {
            if spec.hasPrefix("@every ") {
                let text = String(spec.dropFirst("@every ".count))
                guard let d = CronSchedule.goDuration(text) else {
                    throw ParseError(message: "failed to parse duration \(spec): time: invalid duration \(goQuoted(text))")
                }
                fields = []
                every = d
                return
            }
            guard let expansion = CronSchedule.descriptors[spec] else { throw ParseError(message: "unrecognized descriptor: \(spec)") }
            spec = expansion
        }
        let parts = spec.split(whereSeparator: { $0 == " " || $0 == "\t" || $0 == "\n" }).map(String.init)
        if parts.count != 5 {
            throw ParseError(message: "expected exactly 5 fields, found \(parts.count): [\(parts.joined(separator: " "))]")
        }
        var result: [Set<Int>] = []
        for (i, part) in parts.enumerated() {
            let (values, star) = try CronSchedule.field(part, CronSchedule.bounds[i])
            result.append(values)
            stars.append(star)
        }
        fields = result
        every = nil
    }

    static func field(_ text: String, _ b: Bounds) throws(ParseError) -> (Set<Int>, Bool) {
        var values = Set<Int>()
        var star = false
        for expr in text.split(separator: ",", omittingEmptySubsequences: false).map(String.init) {
            let rangeAndStep = expr.split(separator: "/", omittingEmptySubsequences: false).map(String.init)
            let lowAndHigh = rangeAndStep[0].split(separator: "-", omittingEmptySubsequences: false).map(String.init)
            var start: Int, end: Int
            var isStar = false
            if lowAndHigh[0] == "*" || lowAndHigh[0] == "?" {
                start = b.min
                end = b.max
                isStar = true
            } else {
                start = try intOrName(lowAndHigh[0], b)
                switch lowAndHigh.count {
                case 1: end = start
                case 2: end = try intOrName(lowAndHigh[1], b)
                default: throw ParseError(message: "too many hyphens: \(expr)")
                }
            }
            var step = 1
            switch rangeAndStep.count {
            case 1: break
            case 2:
                step = try int(rangeAndStep[1])
                if lowAndHigh.count == 1 { end = b.max }
            default: throw ParseError(message: "too many slashes: \(expr)")
            }
            if start < b.min { throw ParseError(message: "beginning of range (\(start)) below minimum (\(b.min)): \(expr)") }
            if end > b.max { throw ParseError(message: "end of range (\(end)) above maximum (\(b.max)): \(expr)") }
            if start > end { throw ParseError(message: "beginning of range (\(start)) beyond end of range (\(end)): \(expr)") }
            if step == 0 { throw ParseError(message: "step of range should be a positive number: \(expr)") }
            for v in stride(from: start, through: end, by: step) { values.insert(v) }
            if isStar && step == 1 { star = true }
        }
        return (values, star)
    }

    static func intOrName(_ text: String, _ b: Bounds) throws(ParseError) -> Int {
        if let v = b.names[text.lowercased()] { return v }
        return try int(text)
    }

    static func int(_ text: String) throws(ParseError) -> Int {
        guard let n = goAtoi(text) else {
            throw ParseError(message: "failed to parse int from \(text): strconv.Atoi: parsing \(goQuoted(text)): invalid syntax")
        }
        if n < 0 { throw ParseError(message: "negative number (\(n)) not allowed: \(text)") }
        return n
    }

    /// Go's `strconv.Atoi`: optional sign, decimal digits only.
    static func goAtoi(_ s: String) -> Int? {
        var body = Substring(s)
        if body.first == "+" || body.first == "-" { body = body.dropFirst() }
        guard !body.isEmpty, body.allSatisfy({ $0.isASCII && $0.isNumber }) else { return nil }
        return Int(s)
    }


    /// Go's `time.ParseDuration` for the units cron intervals use (`ns` … `h`), e.g. `1h30m`.
    static func goDuration(_ s: String) -> TimeInterval? {
        let units: [(String, Double)] = [("ns", 1e-9), ("us", 1e-6), ("µs", 1e-6), ("ms", 1e-3), ("s", 1), ("m", 60), ("h", 3600)]
        var rest = Substring(s)
        var total = 0.0
        var sign = 1.0
        if rest.first == "-" || rest.first == "+" { if rest.first == "-" { sign = -1 }; rest = rest.dropFirst() }
        if rest == "0" { return 0 }
        guard !rest.isEmpty else { return nil }
        while !rest.isEmpty {
            let number = rest.prefix { $0.isASCII && ($0.isNumber || $0 == ".") }
            guard !number.isEmpty, let value = Double(number) else { return nil }
            rest = rest.dropFirst(number.count)
            guard let unit = units.first(where: { rest.hasPrefix($0.0) && !(($0.0 == "m") && rest.hasPrefix("ms")) }) else { return nil }
            rest = rest.dropFirst(unit.0.count)
            total += value * unit.1
        }
        return sign * total
    }
}
