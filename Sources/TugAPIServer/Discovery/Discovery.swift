import Foundation
import TugAPI

/// Discovery documents: `/api`, `/apis`, `/apis/<group>`, resource lists and aggregated discovery v2.
enum Discovery {
    static let aggregatedContentType = "application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList"

    /// kubectl asks for aggregated discovery in its Accept header first.
    static func wantsAggregated(_ accept: String?) -> Bool {
        guard let a = accept?.replacingOccurrences(of: " ", with: "") else { return false }
        return a.contains("g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList")
    }

    static func apiVersions(serverAddress: String) -> JSONValue {
        .object(["kind": "APIVersions", "versions": ["v1"],
                 "serverAddressByClientCIDRs": [["clientCIDR": "0.0.0.0/0", "serverAddress": .string(serverAddress)]]])
    }

    static func groupJSON(_ group: String, _ versions: [String]) -> JSONValue {
        let vs: [JSONValue] = versions.map { .object(["groupVersion": .string("\(group)/\($0)"), "version": .string($0)]) }
        return .object(["name": .string(group), "versions": .array(vs), "preferredVersion": vs[0]])
    }

    /// Groups served by the server itself rather than from storage (metrics.k8s.io).
    static var servedGroupVersions: [(group: String, versions: [String])] {
        ResourceCatalog.groupVersions + [(MetricsAPI.group, [MetricsAPI.version])]
    }

    static func apiGroupList() -> JSONValue {
        let groups = servedGroupVersions.filter { !$0.group.isEmpty }.map { groupJSON($0.group, $0.versions) }
        return .object(["kind": "APIGroupList", "apiVersion": "v1", "groups": .array(groups)])
    }

    static func apiGroup(_ name: String) -> JSONValue? {
        guard let g = servedGroupVersions.first(where: { $0.group == name && !name.isEmpty }) else { return nil }
        var o = groupJSON(g.group, g.versions)
        o["kind"] = "APIGroup"
        o["apiVersion"] = "v1"
        return o
    }

    /// What a subresource answers with and which verbs it takes.
    static func subresourceKind(_ r: ResourceInfo, _ sub: String) -> (group: String, version: String, kind: String, verbs: [String]) {
        switch sub {
        case "status": return (r.group, r.version, r.kind, ["get", "patch", "update"])
        case "scale": return ("autoscaling", "v1", "Scale", ["get", "patch", "update"])
        case "binding": return ("", "v1", "Binding", ["create"])
        case "eviction": return ("policy", "v1", "Eviction", ["create"])
        case "log": return ("", "v1", "Pod", ["get"])
        case "exec": return ("", "v1", "PodExecOptions", ["create", "get"])
        case "attach": return ("", "v1", "PodAttachOptions", ["create", "get"])
        case "portforward": return ("", "v1", "PodPortForwardOptions", ["create", "get"])
        case "proxy": return ("", "v1", "\(r.kind)ProxyOptions", ["create", "delete", "get", "patch", "update"])
        case "finalize": return (r.group, r.version, r.kind, ["update"])
        case "token": return ("authentication.k8s.io", "v1", "TokenRequest", ["create"])
        case "ephemeralcontainers": return (r.group, r.version, r.kind, ["get", "patch", "update"])
        default: return (r.group, r.version, r.kind, ["get"])
        }
    }

    static func resourceList(group: String, version: String) -> JSONValue? {
        if group == MetricsAPI.group && version == MetricsAPI.version {
            let items: [JSONValue] = MetricsAPI.resources.map { r in
                .object(["name": .string(r.resource), "singularName": "", "namespaced": .bool(r.namespaced), "kind": .string(r.kind),
                         "verbs": ["get", "list"]])
            }
            return .object(["kind": "APIResourceList", "apiVersion": "v1", "groupVersion": .string("\(group)/\(version)"), "resources": .array(items)])
        }
        let rs = ResourceCatalog.resources(group: group, version: version)
        guard !rs.isEmpty else { return nil }
        var items: [JSONValue] = []
        for r in rs {
            var o: [String: JSONValue] = [
                "name": .string(r.resource), "singularName": .string(r.singular), "namespaced": .bool(r.namespaced),
                "kind": .string(r.kind), "verbs": .array(r.verbs.map { .string($0) }),
            ]
            if !r.shortNames.isEmpty { o["shortNames"] = .array(r.shortNames.map { .string($0) }) }
            if !r.categories.isEmpty { o["categories"] = .array(r.categories.map { .string($0) }) }
            items.append(.object(o))
            for s in r.subresources {
                let k = subresourceKind(r, s)
                var so: [String: JSONValue] = [
                    "name": .string("\(r.resource)/\(s)"), "singularName": "", "namespaced": .bool(r.namespaced),
                    "kind": .string(k.kind), "verbs": .array(k.verbs.map { .string($0) }),
                ]
                if k.group != r.group || k.version != r.version {
                    so["group"] = .string(k.group)
                    so["version"] = .string(k.version)
                }
                items.append(.object(so))
            }
        }
        let gv = group.isEmpty ? version : "\(group)/\(version)"
        return .object(["kind": "APIResourceList", "apiVersion": "v1", "groupVersion": .string(gv), "resources": .array(items)])
    }

    /// `APIGroupDiscoveryList` for `/api` (core only) or `/apis` (every other group).
    static func aggregated(core: Bool) -> JSONValue {
        var items: [JSONValue] = []
        for g in ResourceCatalog.groupVersions where g.group.isEmpty == core {
            var versions: [JSONValue] = []
            for v in g.versions {
                let resources: [JSONValue] = ResourceCatalog.resources(group: g.group, version: v).map { r in
                    var o: [String: JSONValue] = [
                        "resource": .string(r.resource),
                        "responseKind": .object(["group": .string(r.group), "version": .string(r.version), "kind": .string(r.kind)]),
                        "scope": .string(r.namespaced ? "Namespaced" : "Cluster"),
                        "singularResource": .string(r.singular),
                        "verbs": .array(r.verbs.map { .string($0) }),
                    ]
                    if !r.shortNames.isEmpty { o["shortNames"] = .array(r.shortNames.map { .string($0) }) }
                    if !r.categories.isEmpty { o["categories"] = .array(r.categories.map { .string($0) }) }
                    if !r.subresources.isEmpty {
                        o["subresources"] = .array(r.subresources.map { s in
                            let k = subresourceKind(r, s)
                            return .object([
                                "subresource": .string(s),
                                "responseKind": .object(["group": .string(k.group), "version": .string(k.version), "kind": .string(k.kind)]),
                                "verbs": .array(k.verbs.map { .string($0) }),
                            ])
                        })
                    }
                    return .object(o)
                }
                versions.append(.object(["version": .string(v), "resources": .array(resources), "freshness": "Current"]))
            }
            items.append(.object(["metadata": .object(["name": .string(g.group)]), "versions": .array(versions)]))
        }
        if !core {
            let resources: [JSONValue] = MetricsAPI.resources.map { r in
                .object(["resource": .string(r.resource), "singularResource": "",
                         "responseKind": .object(["group": .string(MetricsAPI.group), "version": .string(MetricsAPI.version), "kind": .string(r.kind)]),
                         "scope": .string(r.namespaced ? "Namespaced" : "Cluster"), "verbs": ["get", "list"]])
            }
            items.append(.object(["metadata": .object(["name": .string(MetricsAPI.group)]),
                                  "versions": [.object(["version": .string(MetricsAPI.version), "resources": .array(resources), "freshness": "Current"])]]))
        }
        return .object(["kind": "APIGroupDiscoveryList", "apiVersion": "apidiscovery.k8s.io/v2", "metadata": .object([:]), "items": .array(items)])
    }

    static func version() -> JSONValue {
        .object(["major": "1", "minor": "37", "gitVersion": .string("v1.37.0+tugboat-\(TugboatVersion.string)"),
                 "gitCommit": "", "gitTreeState": "clean", "buildDate": "", "goVersion": "swift6",
                 "compiler": "swiftc", "platform": "linux/amd64"])
    }
}

/// Tugboat's own version.
public enum TugboatVersion {
    public static let string = "0.1.0"
}
