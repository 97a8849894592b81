import Foundation

/// Go's `time.Duration` text form (`1h2m3.5s`, `150ms`), which `meta.v1.Duration` uses in JSON.
public enum GoDuration {
    /// Formats nanoseconds as Go's `Duration.String()` does.
    public static func format(nanoseconds: Int64) -> String {
        if nanoseconds == 0 { return "0s" }
        let sign = nanoseconds < 0 ? "-" : ""
        let u = nanoseconds.magnitude
        if u < 1_000 { return "\(sign)\(u)ns" }
        if u < 1_000_000 { return sign + decimal(u, fractionDigits: 3) + "µs" }
        if u < 1_000_000_000 { return sign + decimal(u, fractionDigits: 6) + "ms" }
        let seconds = u / 1_000_000_000
        let hours = seconds / 3600
        let minutes = (seconds / 60) % 60
        var out = sign
        if hours > 0 { out += "\(hours)h" }
        if hours > 0 || minutes > 0 { out += "\(minutes)m" }
        out += decimal((seconds % 60) * 1_000_000_000 + u % 1_000_000_000, fractionDigits: 9) + "s"
        return out
    }

    /// Parses Go duration text (`1h30m`, `2.5s`, `-300ms`) into nanoseconds.
    public static func parse(_ text: String) -> Int64? {
        var chars = Substring(text)
        var negative = false
        if chars.first == "-" || chars.first == "+" { negative = chars.first == "-"; chars = chars.dropFirst() }
        if chars == "0" { return 0 }
        guard !chars.isEmpty else { return nil }
        var total: Double = 0
        while !chars.isEmpty {
            let number = chars.prefix { $0.isNumber || $0 == "." }
            guard !number.isEmpty, let value = Double(number) else { return nil }
            chars = chars.dropFirst(number.count)
            let unitText = chars.prefix { !($0.isNumber || $0 == ".") }
            chars = chars.dropFirst(unitText.count)
            let unit: Double
            switch unitText {
            case "ns": unit = 1
            case "us", "µs", "μs": unit = 1_000
            case "ms": unit = 1_000_000
            case "s": unit = 1_000_000_000
            case "m": unit = 60_000_000_000
            case "h": unit = 3_600_000_000_000
            default: return nil
            }
            total += value * unit
        }
        guard total < 9.2e18 else { return nil }
        let ns = Int64(total.rounded())
        return negative ? -ns : ns
    }

    /// `value / 10^digits` with trailing fraction zeros removed (`1500, 3` → `1.5`).
    private static func decimal(_ value: UInt64, fractionDigits: Int) -> String {
        var scale: UInt64 = 1
        for _ in 0..<fractionDigits { scale *= 10 }
        let whole = value / scale
        var frac = String(value % scale)
        frac = String(repeating: "0", count: fractionDigits - frac.count) + frac
        while frac.hasSuffix("0") { frac.removeLast() }
        return frac.isEmpty ? "\(whole)" : "\(whole).\(frac)"
    }
}
