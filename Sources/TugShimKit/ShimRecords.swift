#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// The two records the shim writes for the runtime to read (`started.json`, `exit.json`), as
/// JSON by hand: the runtime decodes them with its Codable records of the same keys.
public enum ShimRecords {
    public static func writeStarted(pid: Int32, startTicks: UInt64, startedAt: Timestamp, terminal: String?, to path: String) throws(ShimError) {
        var json = "{\"pid\":\(pid),\"startTicks\":\(startTicks),\"startedAt\":\(quoted(startedAt.rfc3339))"
        if let terminal { json += ",\"terminal\":\(quoted(terminal))" }
        json += "}"
        try Sys.writeAtomically(Array(json.utf8), to: path)
    }

    public static func writeExit(code: Int32, finishedAt: Timestamp, reason: String, message: String, to path: String) throws(ShimError) {
        let json = "{\"exitCode\":\(code),\"finishedAt\":\(quoted(finishedAt.rfc3339)),\"message\":\(quoted(message)),\"reason\":\(quoted(reason))}"
        try Sys.writeAtomically(Array(json.utf8), to: path)
    }

    /// A JSON string literal: quotes, backslashes and control characters escaped.
    static func quoted(_ text: String) -> String {
        var out = "\""
        for scalar in text.unicodeScalars {
            switch scalar {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            case _ where scalar.value < 0x20:
                let hex = String(scalar.value, radix: 16)
                out += "\\u" + String(repeating: "0", count: 4 - hex.count) + hex
            default: out.unicodeScalars.append(scalar)
            }
        }
        return out + "\""
    }
}

/// A wall-clock instant with nanoseconds, formatted as CRI logs and Kubernetes want it.
public struct Timestamp: Sendable, Equatable {
    public var seconds: Int
    public var nanoseconds: Int

    public init(seconds: Int, nanoseconds: Int) {
        self.seconds = seconds
        self.nanoseconds = nanoseconds
    }

    public static func now() -> Timestamp {
        var ts = timespec()
        clock_gettime(CLOCK_REALTIME, &ts)
        return Timestamp(seconds: ts.tv_sec, nanoseconds: ts.tv_nsec)
    }

    /// `2016-10-06T00:17:09.669794202Z`: always nine fraction digits, UTC.
    public var rfc3339: String {
        var time = time_t(seconds)
        var parts = tm()
        gmtime_r(&time, &parts)
        func pad(_ value: Int32, _ width: Int) -> String {
            let digits = String(value)
            return String(repeating: "0", count: max(0, width - digits.count)) + digits
        }
        let fraction = String(nanoseconds)
        return "\(pad(parts.tm_year + 1900, 4))-\(pad(parts.tm_mon + 1, 2))-\(pad(parts.tm_mday, 2))T"
            + "\(pad(parts.tm_hour, 2)):\(pad(parts.tm_min, 2)):\(pad(parts.tm_sec, 2))."
            + String(repeating: "0", count: 9 - fraction.count) + fraction + "Z"
    }
}
