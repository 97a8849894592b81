import Foundation
import TugAPI

/// The two OpenAPI dialects the server publishes: `/openapi/v2` (Swagger 2.0, `#/definitions/`)
/// and `/openapi/v3` (OpenAPI 3.0, `#/components/schemas/`, references wrapped in `allOf` the way
/// kube-apiserver writes them, which `kubectl explain` and kubectl's patch builder follow).
enum OpenAPIStyle: Sendable {
    case v2, v3

    var refPrefix: String { self == .v2 ? "#/definitions/" : "#/components/schemas/" }

    /// A reference to a named schema, as a property or item schema.
    func ref(_ name: String) -> [String: JSONValue] {
        let r: JSONValue = ["$ref": .string(refPrefix + name)]
        return self == .v2 ? r.objectValue! : ["allOf": [r]]
    }
}

/// Names Kubernetes uses in its OpenAPI documents.
enum OpenAPINames {
    /// `k8s.io.api.core.v1.Pod` → `io.k8s.api.core.v1.Pod`.
    static func definition(_ message: String) -> String {
        message.hasPrefix("k8s.io.") ? "io.k8s." + message.dropFirst("k8s.io.".count) : message
    }

    /// `api/v1` or `apis/apps/v1`, the key of a group-version in the `/openapi/v3` index.
    static func groupVersionPath(group: String, version: String) -> String {
        group.isEmpty ? "api/\(version)" : "apis/\(group)/\(version)"
    }

    /// `CoreV1`, `AppsV1`, `RbacAuthorizationV1`: the group-version part of operation ids.
    static func operationPrefix(group: String, version: String) -> String {
        let base = group.isEmpty ? "core" : (group.hasSuffix(".k8s.io") ? String(group.dropLast(".k8s.io".count)) : group)
        let words = base.split(separator: ".").map { $0.prefix(1).uppercased() + $0.dropFirst() }
        return words.joined() + version.prefix(1).uppercased() + version.dropFirst()
    }

    /// `core_v1`, `apps_v1`, `rbacAuthorization_v1`: the tag of a group-version's operations.
    static func tag(group: String, version: String) -> String {
        let p = operationPrefix(group: group, version: version)
        let name = String(p.dropLast(version.count))
        return name.prefix(1).lowercased() + name.dropFirst() + "_" + version
    }

    /// The `x-kubernetes-group-version-kind` value of one kind.
    static func gvk(group: String, version: String, kind: String) -> JSONValue {
        ["group": .string(group), "version": .string(version), "kind": .string(kind)]
    }
}
