import Foundation

/// The agent's streaming paths, as kubelet spells them:
/// `/containerLogs/{ns}/{pod}/{container}`, `/exec/{ns}/{pod}/{container}`,
/// `/attach/{ns}/{pod}/{container}`, `/portForward/{ns}/{pod}`.
struct AgentRequestPath: Equatable {
    enum Kind: String { case containerLogs, exec, attach, portForward }
    var kind: Kind
    var namespace: String
    var pod: String
    var container: String?

    init?(_ path: String) {
        let segs = path.split(separator: "/").map { String($0).removingPercentEncoding ?? String($0) }
        guard segs.count >= 3, let kind = Kind(rawValue: segs[0]) else { return nil }
        self.kind = kind
        namespace = segs[1]
        pod = segs[2]
        switch (kind, segs.count) {
        case (.portForward, 3): container = nil
        case (.portForward, _): return nil
        case (_, 3): container = nil
        case (_, 4): container = segs[3]
        default: return nil
        }
    }

    /// `a=1&command=sh&command=-c`: every pair, repeats kept in order.
    static func query(_ raw: String?) -> [(String, String)] {
        guard let raw, !raw.isEmpty else { return [] }
        return raw.split(separator: "&").map { pair in
            let kv = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            func decode(_ s: Substring) -> String {
                let plus = s.replacingOccurrences(of: "+", with: " ")
                return plus.removingPercentEncoding ?? plus
            }
            return (decode(kv[0]), kv.count > 1 ? decode(kv[1]) : "")
        }
    }
}
