import Foundation

extension APISchema {
    /// The protobuf package of an API group-version, by Kubernetes' naming convention
    /// (`v1` → `k8s.io.api.core.v1`, `rbac.authorization.k8s.io/v1` → `k8s.io.api.rbac.v1`,
    /// `meta.k8s.io/v1` → meta/v1). Independent of what `ResourceCatalog` serves, so subresource
    /// kinds (`autoscaling/v1` Scale) resolve too.
    public static func protobufPackage(apiVersion: String) -> String {
        let parts = apiVersion.split(separator: "/", maxSplits: 1).map(String.init)
        let (group, version) = parts.count == 2 ? (parts[0], parts[1]) : ("", parts.first ?? "")
        if group == "meta.k8s.io" { return "k8s.io.apimachinery.pkg.apis.meta.\(version)" }
        if group.isEmpty { return "k8s.io.api.core.\(version)" }
        if group == "rbac.authorization.k8s.io" { return "k8s.io.api.rbac.\(version)" }
        let name = group.hasSuffix(".k8s.io") ? String(group.dropLast(".k8s.io".count)) : group
        return "k8s.io.api.\(name).\(version)"
    }

    /// The API group and version of a protobuf package (the inverse of `protobufPackage(apiVersion:)`);
    /// nil for packages that are not API group-versions (`runtime`, `resource`, `intstr`).
    public static func groupVersion(ofPackage package: String) -> (group: String, version: String)? {
        if package == metaPackage { return ("meta.k8s.io", "v1") }
        guard package.hasPrefix("k8s.io.api.") else { return nil }
        let parts = package.dropFirst("k8s.io.api.".count).split(separator: ".").map(String.init)
        guard parts.count == 2 else { return nil }
        switch parts[0] {
        case "core": return ("", parts[1])
        case "apps", "batch", "autoscaling", "policy": return (parts[0], parts[1])
        case "rbac": return ("rbac.authorization.k8s.io", parts[1])
        default: return (parts[0] + ".k8s.io", parts[1])
        }
    }
}
