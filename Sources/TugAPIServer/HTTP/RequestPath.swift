import Foundation
import TugAPI

/// A parsed Kubernetes API path.
enum RequestPath: Equatable {
    case apiVersions                         // /api
    case apiGroups                           // /apis
    case group(String)                       // /apis/<group>
    case resourceList(group: String, version: String)
    case resource(ResourcePath)
    case other(String)

    struct ResourcePath: Equatable {
        var group: String
        var version: String
        var namespace: String?
        var resource: String
        var name: String?
        var subresource: String?
        /// Legacy `/api/v1/watch/...` form.
        var legacyWatch = false
    }

    static func parse(_ rawPath: String) -> RequestPath {
        let path = rawPath.split(separator: "?", maxSplits: 1).first.map(String.init) ?? rawPath
        // Foundation's percent decoding is slow; most segments have nothing to decode.
        var segs = path.split(separator: "/", omittingEmptySubsequences: true).map { seg in
            seg.contains("%") ? (String(seg).removingPercentEncoding ?? String(seg)) : String(seg)
        }
        guard let root = segs.first else { return .other(path) }
        var group = "", version: String
        if root == "api" {
            guard segs.count > 1 else { return .apiVersions }
            version = segs[1]
            segs.removeFirst(2)
        } else if root == "apis" {
            guard segs.count > 1 else { return .apiGroups }
            group = segs[1]
            guard segs.count > 2 else { return .group(group) }
            version = segs[2]
            segs.removeFirst(3)
        } else {
            return .other(path)
        }
        guard !segs.isEmpty else { return .resourceList(group: group, version: version) }
        var rp = ResourcePath(group: group, version: version, namespace: nil, resource: "", name: nil, subresource: nil)
        if segs.first == "watch" { rp.legacyWatch = true; segs.removeFirst() }
        guard !segs.isEmpty else { return .other(path) }
        if segs[0] == "namespaces", segs.count >= 3,
           !(segs.count == 3 && (segs[2] == "status" || segs[2] == "finalize")) {
            rp.namespace = segs[1]
            segs.removeFirst(2)
        }
        rp.resource = segs[0]
        if segs.count > 1 { rp.name = segs[1] }
        if segs.count > 2 { rp.subresource = segs[2] }
        if segs.count > 3 { return .other(path) }
        return .resource(rp)
    }
}
