import Foundation
import TugAPI
import TugRuntime

/// What `kubectl logs` asks for (the query of `pods/log`, forwarded to the agent unchanged).
public struct ContainerLogOptions: Sendable, Hashable {
    /// Which of the container's streams to show.
    public enum Streams: String, Sendable, Hashable {
        case all = "All", stdout = "Stdout", stderr = "Stderr"

        func includes(_ s: CRILogLine.Stream) -> Bool {
            switch self {
            case .all: return true
            case .stdout: return s == .stdout
            case .stderr: return s == .stderr
            }
        }
    }

    public var follow = false
    public var previous = false
    /// The last N lines only (before `since` is applied, as kubelet does).
    public var tailLines: Int?
    /// Lines written at or after this time only (`sinceTime`, or now minus `sinceSeconds`).
    public var since: Date?
    public var timestamps = false
    /// Stop after this many bytes of output.
    public var limitBytes: Int?
    public var streams: Streams = .all

    public init(follow: Bool = false, previous: Bool = false, tailLines: Int? = nil, since: Date? = nil, timestamps: Bool = false,
                limitBytes: Int? = nil, streams: Streams = .all) {
        self.follow = follow
        self.previous = previous
        self.tailLines = tailLines
        self.since = since
        self.timestamps = timestamps
        self.limitBytes = limitBytes
        self.streams = streams
    }

    /// Parses `pods/log`'s query parameters the way kube-apiserver validates them; bad values
    /// are a 400 saying which parameter was wrong.
    public init(query: [String: String], now: Date = Date()) throws {
        func bool(_ name: String) throws -> Bool {
            guard let v = query[name], !v.isEmpty else { return false }
            switch v.lowercased() {
            case "true", "1", "t": return true
            case "false", "0", "f": return false
            default: throw APIError.badRequest("invalid value \"\(v)\" for \(name): must be true or false")
            }
        }
        func int(_ name: String) throws -> Int? {
            guard let v = query[name], !v.isEmpty else { return nil }
            guard let n = Int(v) else { throw APIError.badRequest("invalid value \"\(v)\" for \(name): must be an integer") }
            return n
        }
        follow = try bool("follow")
        previous = try bool("previous")
        timestamps = try bool("timestamps")
        if let n = try int("tailLines") {
            guard n >= 0 else { throw APIError.badRequest("PodLogOptions \"\" is invalid: tailLines: Invalid value: \(n): must be greater than or equal to 0") }
            tailLines = n
        }
        if let n = try int("limitBytes") {
            guard n >= 1 else { throw APIError.badRequest("PodLogOptions \"\" is invalid: limitBytes: Invalid value: \(n): must be greater than 0") }
            limitBytes = n
        }
        let sinceSeconds = try int("sinceSeconds")
        let sinceTime = query["sinceTime"].flatMap { $0.isEmpty ? nil : $0 }
        if sinceSeconds != nil, sinceTime != nil {
            throw APIError.badRequest("PodLogOptions \"\" is invalid: : Forbidden: at most one of `sinceTime` or `sinceSeconds` may be specified")
        }
        if let s = sinceSeconds {
            guard s >= 1 else { throw APIError.badRequest("PodLogOptions \"\" is invalid: sinceSeconds: Invalid value: \(s): must be greater than 0") }
            since = now.addingTimeInterval(-Double(s))
        }
        if let t = sinceTime {
            guard let d = CRILogLine.parseTime(t) else {
                throw APIError.badRequest("invalid value \"\(t)\" for sinceTime: must be an RFC 3339 time such as 2024-01-02T15:04:05Z")
            }
            since = d
        }
        if let s = query["stream"], !s.isEmpty {
            guard let v = Streams(rawValue: s) else {
                throw APIError.badRequest("PodLogOptions \"\" is invalid: stream: Unsupported value: \"\(s)\": supported values: \"All\", \"Stderr\", \"Stdout\"")
            }
            if v != .all, tailLines != nil {
                throw APIError.badRequest("PodLogOptions \"\" is invalid: : Forbidden: `tailLines` and specific `stream` are mutually exclusive for now")
            }
            streams = v
        }
    }
}
