import Foundation

/// Every built-in resource Tugboat serves. Discovery, routing, OpenAPI and protobuf decoding
/// all read this one table.
public enum ResourceCatalog {
    static let core = "k8s.io.api.core.v1"
    static let readOnlyVerbs = ["get", "list", "watch"]
    public static let all: [ResourceInfo] = [
        // core/v1
        .init(group: "", version: "v1", kind: "Namespace", resource: "namespaces", namespaced: false,
              shortNames: ["ns"], verbs: ["create", "delete", "get", "list", "patch", "update", "watch"],
              subresources: ["status", "finalize"], protobufPackage: core),
        .init(group: "", version: "v1", kind: "Pod", resource: "pods", namespaced: true, shortNames: ["po"],
              categories: ["all"], subresources: ["status", "binding", "eviction", "log", "exec", "attach", "portforward", "ephemeralcontainers"],
              protobufPackage: core),
        .init(group: "", version: "v1", kind: "Service", resource: "services", namespaced: true, shortNames: ["svc"],
              categories: ["all"], verbs: ["create", "delete", "deletecollection", "get", "list", "patch", "update", "watch"],
              subresources: ["status", "proxy"], protobufPackage: core),
        .init(group: "", version: "v1", kind: "Endpoints", resource: "endpoints", namespaced: true, shortNames: ["ep"],
              protobufPackage: core),
        .init(group: "", version: "v1", kind: "ConfigMap", resource: "configmaps", namespaced: true, shortNames: ["cm"],
              protobufPackage: core),
        .init(group: "", version: "v1", kind: "Secret", resource: "secrets", namespaced: true, protobufPackage: core),
        .init(group: "", version: "v1", kind: "Node", resource: "nodes", namespaced: false, shortNames: ["no"],
              subresources: ["status", "proxy"], protobufPackage: core),
        .init(group: "", version: "v1", kind: "Event", resource: "events", namespaced: true, shortNames: ["ev"],
              protobufPackage: core),
        .init(group: "", version: "v1", kind: "ServiceAccount", resource: "serviceaccounts", namespaced: true,
              shortNames: ["sa"], subresources: ["token"], protobufPackage: core),
        .init(group: "", version: "v1", kind: "ReplicationController", resource: "replicationcontrollers",
              namespaced: true, shortNames: ["rc"], categories: ["all"], subresources: ["status", "scale"],
              protobufPackage: core),
        .init(group: "", version: "v1", kind: "ResourceQuota", resource: "resourcequotas", namespaced: true,
              shortNames: ["quota"], subresources: ["status"], protobufPackage: core),
        .init(group: "", version: "v1", kind: "LimitRange", resource: "limitranges", namespaced: true,
              shortNames: ["limits"], protobufPackage: core),
        .init(group: "", version: "v1", kind: "PersistentVolume", resource: "persistentvolumes", namespaced: false,
              shortNames: ["pv"], subresources: ["status"], protobufPackage: core),
        .init(group: "", version: "v1", kind: "PersistentVolumeClaim", resource: "persistentvolumeclaims",
              namespaced: true, shortNames: ["pvc"], subresources: ["status"], protobufPackage: core),
        // apps/v1
        .init(group: "apps", version: "v1", kind: "Deployment", resource: "deployments", namespaced: true,
              shortNames: ["deploy"], categories: ["all"], subresources: ["status", "scale"],
              protobufPackage: "k8s.io.api.apps.v1"),
        .init(group: "apps", version: "v1", kind: "ReplicaSet", resource: "replicasets", namespaced: true,
              shortNames: ["rs"], categories: ["all"], subresources: ["status", "scale"],
              protobufPackage: "k8s.io.api.apps.v1"),
        .init(group: "apps", version: "v1", kind: "StatefulSet", resource: "statefulsets", namespaced: true,
              shortNames: ["sts"], categories: ["all"], subresources: ["status", "scale"],
              protobufPackage: "k8s.io.api.apps.v1"),
        .init(group: "apps", version: "v1", kind: "DaemonSet", resource: "daemonsets", namespaced: true,
              shortNames: ["ds"], categories: ["all"], subresources: ["status"],
              protobufPackage: "k8s.io.api.apps.v1"),
        .init(group: "apps", version: "v1", kind: "ControllerRevision", resource: "controllerrevisions",
              namespaced: true, protobufPackage: "k8s.io.api.apps.v1"),
        // batch/v1
        .init(group: "batch", version: "v1", kind: "Job", resource: "jobs", namespaced: true, categories: ["all"],
              subresources: ["status"], protobufPackage: "k8s.io.api.batch.v1"),
        .init(group: "batch", version: "v1", kind: "CronJob", resource: "cronjobs", namespaced: true,
              shortNames: ["cj"], categories: ["all"], subresources: ["status"], protobufPackage: "k8s.io.api.batch.v1"),
        // autoscaling: stored as v2 (listed first: the preferred version), v1 served by conversion
        .init(group: "autoscaling", version: "v2", kind: "HorizontalPodAutoscaler", resource: "horizontalpodautoscalers",
              namespaced: true, shortNames: ["hpa"], categories: ["all"], subresources: ["status"],
              protobufPackage: "k8s.io.api.autoscaling.v2"),
        .init(group: "autoscaling", version: "v1", kind: "HorizontalPodAutoscaler", resource: "horizontalpodautoscalers",
              namespaced: true, shortNames: ["hpa"], categories: ["all"], subresources: ["status"],
              protobufPackage: "k8s.io.api.autoscaling.v1", storageVersion: "autoscaling/v2"),
        // coordination, discovery
        .init(group: "coordination.k8s.io", version: "v1", kind: "Lease", resource: "leases", namespaced: true,
              protobufPackage: "k8s.io.api.coordination.v1"),
        .init(group: "discovery.k8s.io", version: "v1", kind: "EndpointSlice", resource: "endpointslices",
              namespaced: true, protobufPackage: "k8s.io.api.discovery.v1"),
        // rbac
        .init(group: "rbac.authorization.k8s.io", version: "v1", kind: "Role", resource: "roles", namespaced: true,
              protobufPackage: "k8s.io.api.rbac.v1"),
        .init(group: "rbac.authorization.k8s.io", version: "v1", kind: "RoleBinding", resource: "rolebindings",
              namespaced: true, protobufPackage: "k8s.io.api.rbac.v1"),
        .init(group: "rbac.authorization.k8s.io", version: "v1", kind: "ClusterRole", resource: "clusterroles",
              namespaced: false, protobufPackage: "k8s.io.api.rbac.v1"),
        .init(group: "rbac.authorization.k8s.io", version: "v1", kind: "ClusterRoleBinding", resource: "clusterrolebindings",
              namespaced: false, protobufPackage: "k8s.io.api.rbac.v1"),
        // policy, scheduling
        .init(group: "policy", version: "v1", kind: "PodDisruptionBudget", resource: "poddisruptionbudgets",
              namespaced: true, shortNames: ["pdb"], subresources: ["status"], protobufPackage: "k8s.io.api.policy.v1"),
        .init(group: "scheduling.k8s.io", version: "v1", kind: "PriorityClass", resource: "priorityclasses",
              namespaced: false, shortNames: ["pc"], protobufPackage: "k8s.io.api.scheduling.v1"),
        // networking
        .init(group: "networking.k8s.io", version: "v1", kind: "Ingress", resource: "ingresses", namespaced: true,
              shortNames: ["ing"], subresources: ["status"], protobufPackage: "k8s.io.api.networking.v1"),
        .init(group: "networking.k8s.io", version: "v1", kind: "IngressClass", resource: "ingressclasses",
              namespaced: false, protobufPackage: "k8s.io.api.networking.v1"),
        .init(group: "networking.k8s.io", version: "v1", kind: "NetworkPolicy", resource: "networkpolicies",
              namespaced: true, shortNames: ["netpol"], protobufPackage: "k8s.io.api.networking.v1"),
        // events.k8s.io
        .init(group: "events.k8s.io", version: "v1", kind: "Event", resource: "events", namespaced: true,
              shortNames: ["ev"], protobufPackage: "k8s.io.api.events.v1", storageVersion: "v1", storedAs: "events"),
    ]

    /// Group/versions in the order discovery lists them (preferred version first per group).
    public static var groupVersions: [(group: String, versions: [String])] {
        var order: [String] = []
        var versions: [String: [String]] = [:]
        for r in all {
            if versions[r.group] == nil { order.append(r.group); versions[r.group] = [] }
            if !versions[r.group]!.contains(r.version) { versions[r.group]!.append(r.version) }
        }
        return order.map { ($0, versions[$0]!) }
    }

    public static func resources(group: String, version: String) -> [ResourceInfo] {
        all.filter { $0.group == group && $0.version == version }
    }

    public static func lookup(group: String, version: String, resource: String) -> ResourceInfo? {
        all.first { $0.group == group && $0.version == version && $0.resource == resource }
    }

    public static func lookup(apiVersion: String, kind: String) -> ResourceInfo? {
        all.first { $0.apiVersion == apiVersion && $0.kind == kind }
    }
}
