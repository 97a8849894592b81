import Foundation
import HTTPTypes
import Hummingbird
import NIOCore
import TugAPI

/// Answers `GET /openapi/v2` the way kube-apiserver's handler (kube-openapi `pkg/handler`) does:
/// - the `Accept` header picks the form: its media ranges in order of quality (then the more
///   specific first), the first one naming JSON or gnostic's protobuf wins; no header means
///   any, which is JSON;
/// - protobuf is asked for as `application/com.github.proto-openapi.spec.v2@v1.0+protobuf`
///   (what client-go sends) or `….spec.v2.v1.0+protobuf`, and answered with the latter as
///   `Content-Type` in both cases;
/// - both forms carry the same quoted `ETag` with `Vary: Accept`; an `If-None-Match` naming it
///   gets `304 Not Modified`;
/// - an `Accept` naming neither form gets `406 Not Acceptable`.
enum OpenAPIV2Serving {
    static let protobufContentType = "application/com.github.proto-openapi.spec.v2.v1.0+protobuf"
    /// The subtypes kube-apiserver accepts for the protobuf form (the `@` one is deprecated but
    /// is the one client-go sends).
    static let protobufSubtypes: Set<String> = [
        "com.github.proto-openapi.spec.v2.v1.0+protobuf", "com.github.proto-openapi.spec.v2@v1.0+protobuf",
    ]

    enum Format: Equatable, Sendable { case json, protobuf }

    /// The form `accept` asks for; nil when it names neither.
    static func format(accept: String?) -> Format? {
        let header = accept?.trimmingCharacters(in: .whitespaces) ?? ""
        for range in MediaRange.parse(header.isEmpty ? "*/*" : header) {
            guard range.type == "application" || range.type == "*" else { continue }
            if range.subtype == "json" || range.subtype == "*" { return .json }
            if protobufSubtypes.contains(range.subtype) { return .protobuf }
        }
        return nil
    }

    static func response(to request: Request) -> Response {
        var headers: HTTPFields = [.vary: "Accept"]
        guard let format = format(accept: request.headers[.accept]) else {
            var r = HTTPReply.error(APIError(code: 406, reason: "NotAcceptable",
                                             message: "/openapi/v2 is served as application/json or \(protobufContentType); the Accept header \"\(request.headers[.accept] ?? "")\" names neither"))
            r.headers[.vary] = "Accept"
            return r
        }
        let etag = "\"\(OpenAPIDocuments.v2ETag)\""
        headers[.eTag] = etag
        headers[.lastModified] = httpDate(OpenAPIDocuments.v2BuiltAt)
        if let ifNoneMatch = request.headers[.ifNoneMatch], matches(ifNoneMatch, etag: etag) {
            return Response(status: .notModified, headers: headers)
        }
        let body: Data
        switch format {
        case .json:
            headers[.contentType] = "application/json"
            body = OpenAPIDocuments.v2()
        case .protobuf:
            headers[.contentType] = protobufContentType
            body = OpenAPIDocuments.v2Protobuf()
        }
        return Response(status: .ok, headers: headers, body: ResponseBody(byteBuffer: ByteBuffer(bytes: body)))
    }

    /// Whether an `If-None-Match` list names `etag` (weakly compared, as for GET) or is `*`.
    static func matches(_ ifNoneMatch: String, etag: String) -> Bool {
        ifNoneMatch.split(separator: ",").contains { candidate in
            var tag = candidate.trimmingCharacters(in: .whitespaces)
            if tag == "*" { return true }
            if tag.hasPrefix("W/") { tag.removeFirst(2) }
            return tag == etag
        }
    }

    /// An IMF-fixdate (`Sun, 06 Nov 1994 08:49:37 GMT`).
    static func httpDate(_ date: Date) -> String {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(identifier: "GMT")!
        let c = calendar.dateComponents([.year, .month, .day, .hour, .minute, .second, .weekday], from: date)
        let days = ["Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"]
        let months = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]
        func two(_ n: Int?) -> String { let v = n ?? 0; return v < 10 ? "0\(v)" : "\(v)" }
        return "\(days[(c.weekday ?? 1) - 1]), \(two(c.day)) \(months[(c.month ?? 1) - 1]) \(c.year ?? 1970) "
            + "\(two(c.hour)):\(two(c.minute)):\(two(c.second)) GMT"
    }
}

/// One media range of an `Accept` header.
struct MediaRange: Equatable, Sendable {
    var type: String
    var subtype: String
    var quality: Double

    /// The ranges of `header`, best first: by quality, then `type/subtype` before `type/*`
    /// before `*/*`, else in header order. Ranges with `q=0` (not acceptable) and malformed ones
    /// (an unreadable q counts as 0) are dropped; a lone `*` means `*/*`; types compare case-insensitively.
    static func parse(_ header: String) -> [MediaRange] {
        var ranges: [(range: MediaRange, index: Int)] = []
        for (index, part) in header.split(separator: ",").enumerated() {
            let pieces = part.split(separator: ";", omittingEmptySubsequences: false)
            let name = pieces[0].trimmingCharacters(in: .whitespaces).lowercased()
            let type: String, subtype: String
            if name == "*" {
                (type, subtype) = ("*", "*")
            } else {
                let halves = name.split(separator: "/", omittingEmptySubsequences: false)
                guard halves.count == 2, !halves[0].isEmpty, !halves[1].isEmpty else { continue }
                (type, subtype) = (String(halves[0]), String(halves[1]))
            }
            var quality = 1.0
            for parameter in pieces.dropFirst() {
                let kv = parameter.split(separator: "=", maxSplits: 1)
                if kv.count == 2, kv[0].trimmingCharacters(in: .whitespaces).lowercased() == "q" {
                    quality = Double(kv[1].trimmingCharacters(in: .whitespaces)) ?? 0
                }
            }
            guard quality > 0 else { continue }
            ranges.append((MediaRange(type: type, subtype: subtype, quality: quality), index))
        }
        func specificity(_ r: MediaRange) -> Int { r.type == "*" ? 0 : (r.subtype == "*" ? 1 : 2) }
        return ranges.sorted { a, b in
            if a.range.quality != b.range.quality { return a.range.quality > b.range.quality }
            if specificity(a.range) != specificity(b.range) { return specificity(a.range) > specificity(b.range) }
            return a.index < b.index
        }.map(\.range)
    }
}
