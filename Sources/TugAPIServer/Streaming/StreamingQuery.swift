import Foundation

/// A query string with repeated keys kept in order (`command=sh&command=-c`), as exec needs.
struct StreamingQuery: Sendable, Equatable {
    var items: [(name: String, value: String)]

    init(_ raw: String?) {
        guard let raw, !raw.isEmpty else { items = []; return }
        items = raw.split(separator: "&").map { pair in
            let kv = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            return (QueryString.decode(kv[0]), kv.count > 1 ? QueryString.decode(kv[1]) : "")
        }
    }

    init(items: [(name: String, value: String)]) { self.items = items }

    subscript(name: String) -> String? { items.first { $0.name == name }?.value }

    func all(_ name: String) -> [String] { items.filter { $0.name == name }.map(\.value) }

    /// A boolean flag as Go's `strconv.ParseBool` reads it (absent is false).
    func flag(_ name: String) -> Bool {
        guard let v = self[name] else { return false }
        return ["1", "t", "true", "TRUE", "True"].contains(v)
    }

    /// Percent-encoded again, for the agent.
    var encoded: String {
        var allowed = CharacterSet.urlQueryAllowed
        allowed.remove(charactersIn: "&=+;")
        return items.map { "\($0.name.addingPercentEncoding(withAllowedCharacters: allowed) ?? $0.name)=\($0.value.addingPercentEncoding(withAllowedCharacters: allowed) ?? $0.value)" }
            .joined(separator: "&")
    }

    static func == (a: StreamingQuery, b: StreamingQuery) -> Bool {
        a.items.count == b.items.count && zip(a.items, b.items).allSatisfy { $0.name == $1.name && $0.value == $1.value }
    }
}

/// Percent-encodes one path segment for the agent's URLs.
func encodePathSegment(_ s: String) -> String {
    var allowed = CharacterSet.urlPathAllowed
    allowed.remove("/")
    return s.addingPercentEncoding(withAllowedCharacters: allowed) ?? s
}
