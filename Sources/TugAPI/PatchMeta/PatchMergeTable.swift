// The merge metadata of every built-in kind's fields that do not merge the default way, read off
// Kubernetes' API types: the `patchStrategy`/`patchMergeKey` struct tags (strategic merge patch)
// and the `+listType`, `+listMapKey`, `+mapType` and `+structType` markers as published in the
// server-side-apply schema (list-map key defaults included). Keys are protobuf message names as in
// `k8s-protobuf-fields.tsv`. A field not listed here is a plain field: lists are replaced by
// strategic merge patch and atomic for apply; maps and structs merge field by field.

/// The per-field merge metadata table; `SchemaPatchMeta` reads it while walking an object's type.
public enum PatchMergeTable {
    /// Looks up one field of one message (`k8s.io.api.core.v1.PodSpec`, `containers`).
    public static func info(message: String, field: String) -> FieldPatchInfo? {
        fields[message]?[field]
    }

    /// Whether a message is atomic as a whole (`+structType=atomic`): apply replaces it and owns it as one field.
    public static func isAtomic(message: String) -> Bool {
        atomicMessages.contains(message)
    }

    static let fields: [String: [String: FieldPatchInfo]] = [
        "k8s.io.api.apps.v1.DaemonSetStatus": [
            "conditions": FieldPatchInfo(strategy: [.merge], mergeKey: "type", listType: .map(keys: ["type"]), keyDefaults: ["type": ""]),
        ],
        "k8s.io.api.apps.v1.DeploymentSpec": [
            "strategy": FieldPatchInfo(strategy: [.retainKeys]),
        ],
        "k8s.io.api.apps.v1.DeploymentStatus": [
            "conditions": FieldPatchInfo(strategy: [.merge], mergeKey: "type", listType: .map(keys: ["type"]), keyDefaults: ["type": ""]),
        ],
        "k8s.io.api.apps.v1.ReplicaSetStatus": [
            "conditions": FieldPatchInfo(strategy: [.merge], mergeKey: "type", listType: .map(keys: ["type"]), keyDefaults: ["type": ""]),
        ],
        "k8s.io.api.apps.v1.StatefulSetStatus": [
            "conditions": FieldPatchInfo(strategy: [.merge], mergeKey: "type", listType: .map(keys: ["type"]), keyDefaults: ["type": ""]),
        ],
        "k8s.io.api.autoscaling.v2.HorizontalPodAutoscalerStatus": [
            "conditions": FieldPatchInfo(strategy: [.merge], mergeKey: "type", listType: .map(keys: ["type"]), keyDefaults: ["type": ""]),
        ],
        "k8s.io.api.batch.v1.JobSchedulingConfiguration": [
            "resourceClaims": FieldPatchInfo(strategy: [.merge], mergeKey: "name", listType: .map(keys: ["name"]), keyDefaults: ["name": ""]),
        ],
        "k8s.io.api.batch.v1.JobStatus": [
            "conditions": FieldPatchInfo(strategy: [.merge], mergeKey: "type"),
        ],
        "k8s.io.api.batch.v1.PodFailurePolicyOnExitCodesRequirement": [
            "values": FieldPatchInfo(listType: .set),
        ],
        "k8s.io.api.batch.v1.UncountedTerminatedPods": [
            "failed": FieldPatchInfo(listType: .set),
            "succeeded": FieldPatchInfo(listType: .set),
        ],
        "k8s.io.api.core.v1.ComponentStatus": [
            "conditions": FieldPatchInfo(strategy: [.merge], mergeKey: "type", listType: .map(keys: ["type"]), keyDefaults: ["type": ""]),
        ],
        "k8s.io.api.core.v1.Container": [
            "env": FieldPatchInfo(strategy: [.merge], mergeKey: "name", listType: .map(keys: ["name"]), keyDefaults: ["name": ""]),
            "ports": FieldPatchInfo(strategy: [.merge], mergeKey: "containerPort", listType: .map(keys: ["containerPort", "protocol"]), keyDefaults: ["containerPort": 0, "protocol": "TCP"]),
            "volumeDevices": FieldPatchInfo(strategy: [.merge], mergeKey: "devicePath", listType: .map(keys: ["devicePath"]), keyDefaults: ["devicePath": ""]),
            "volumeMounts": FieldPatchInfo(strategy: [.merge], mergeKey: "mountPath", listType: .map(keys: ["mountPath"]), keyDefaults: ["mountPath": ""]),
        ],
        "k8s.io.api.core.v1.ContainerRestartRuleOnExitCodes": [
            "values": FieldPatchInfo(listType: .set),
        ],
        "k8s.io.api.core.v1.ContainerStatus": [
            "allocatedResourcesStatus": FieldPatchInfo(strategy: [.merge], mergeKey: "name", listType: .map(keys: ["name"]), keyDefaults: ["name": ""]),
            "volumeMounts": FieldPatchInfo(strategy: [.merge], mergeKey: "mountPath", listType: .map(keys: ["mountPath"]), keyDefaults: ["mountPath": ""]),
        ],
        "k8s.io.api.core.v1.EphemeralContainerCommon": [
            "env": FieldPatchInfo(strategy: [.merge], mergeKey: "name", listType: .map(keys: ["name"]), keyDefaults: ["name": ""]),
            "ports": FieldPatchInfo(strategy: [.merge], mergeKey: "containerPort", listType: .map(keys: ["containerPort", "protocol"]), keyDefaults: ["containerPort": 0, "protocol": "TCP"]),
            "volumeDevices": FieldPatchInfo(strategy: [.merge], mergeKey: "devicePath", listType: .map(keys: ["devicePath"]), keyDefaults: ["devicePath": ""]),
            "volumeMounts": FieldPatchInfo(strategy: [.merge], mergeKey: "mountPath", listType: .map(keys: ["mountPath"]), keyDefaults: ["mountPath": ""]),
        ],
        "k8s.io.api.core.v1.NamespaceStatus": [
            "conditions": FieldPatchInfo(strategy: [.merge], mergeKey: "type", listType: .map(keys: ["type"]), keyDefaults: ["type": ""]),
        ],
        "k8s.io.api.core.v1.NodeAllocatableResourceClaimStatus": [
            "containers": FieldPatchInfo(listType: .set),
            "mapping": FieldPatchInfo(strategy: [.merge], mergeKey: "name", listType: .map(keys: ["name"]), keyDefaults: ["name": ""]),
            "overhead": FieldPatchInfo(strategy: [.merge], mergeKey: "name", listType: .map(keys: ["name"]), keyDefaults: ["name": ""]),
        ],
        "k8s.io.api.core.v1.NodePodPreemptionPolicy": [
            "disableResizePreemption": FieldPatchInfo(listType: .set),
        ],
        "k8s.io.api.core.v1.NodeSpec": [
            "podCIDRs": FieldPatchInfo(strategy: [.merge], listType: .set),
        ],
        "k8s.io.api.core.v1.NodeStatus": [
            "addresses": FieldPatchInfo(strategy: [.merge], mergeKey: "type", listType: .map(keys: ["type"]), keyDefaults: ["type": ""]),
            "conditions": FieldPatchInfo(strategy: [.merge], mergeKey: "type", listType: .map(keys: ["type"]), keyDefaults: ["type": ""]),
        ],
        "k8s.io.api.core.v1.PersistentVolumeClaimStatus": [
            "conditions": FieldPatchInfo(strategy: [.merge], mergeKey: "type", listType: .map(keys: ["type"]), keyDefaults: ["type": ""]),
        ],
        "k8s.io.api.core.v1.PodSpec": [
            "containers": FieldPatchInfo(strategy: [.merge], mergeKey: "name", listType: .map(keys: ["name"]), keyDefaults: ["name": ""]),
            "ephemeralContainers": FieldPatchInfo(strategy: [.merge], mergeKey: "name", listType: .map(keys: ["name"]), keyDefaults: ["name": ""]),
            "evictionResponders": FieldPatchInfo(strategy: [.merge], mergeKey: "name", listType: .map(keys: ["name"]), keyDefaults: ["name": ""]),
            "hostAliases": FieldPatchInfo(strategy: [.merge], mergeKey: "ip", listType: .map(keys: ["ip"]), keyDefaults: ["ip": ""]),
            "imagePullSecrets": FieldPatchInfo(strategy: [.merge], mergeKey: "name", listType: .map(keys: ["name"]), keyDefaults: ["name": ""]),
            "initContainers": FieldPatchInfo(strategy: [.merge], mergeKey: "name", listType: .map(keys: ["name"]), keyDefaults: ["name": ""]),
            "nodeSelector": FieldPatchInfo(isAtomic: true),
            "resourceClaims": FieldPatchInfo(strategy: [.merge, .retainKeys], mergeKey: "name", listType: .map(keys: ["name"]), keyDefaults: ["name": ""]),
            "schedulingGates": FieldPatchInfo(strategy: [.merge], mergeKey: "name", listType: .map(keys: ["name"]), keyDefaults: ["name": ""]),
            "topologySpreadConstraints": FieldPatchInfo(strategy: [.merge], mergeKey: "topologyKey", listType: .map(keys: ["topologyKey", "whenUnsatisfiable"]), keyDefaults: ["topologyKey": "", "whenUnsatisfiable": ""]),
            "volumes": FieldPatchInfo(strategy: [.merge, .retainKeys], mergeKey: "name", listType: .map(keys: ["name"]), keyDefaults: ["name": ""]),
        ],
        "k8s.io.api.core.v1.PodStatus": [
            "conditions": FieldPatchInfo(strategy: [.merge], mergeKey: "type", listType: .map(keys: ["type"]), keyDefaults: ["type": ""]),
            "hostIPs": FieldPatchInfo(strategy: [.merge], mergeKey: "ip"),
            "nodeAllocatableResourceClaimStatuses": FieldPatchInfo(strategy: [.merge], mergeKey: "resourceClaimName", listType: .map(keys: ["resourceClaimName"]), keyDefaults: ["resourceClaimName": ""]),
            "podIPs": FieldPatchInfo(strategy: [.merge], mergeKey: "ip", listType: .map(keys: ["ip"]), keyDefaults: ["ip": ""]),
            "resourceClaimStatuses": FieldPatchInfo(strategy: [.merge, .retainKeys], mergeKey: "name", listType: .map(keys: ["name"]), keyDefaults: ["name": ""]),
            "volumeHealth": FieldPatchInfo(listType: .map(keys: ["name"]), keyDefaults: ["name": ""]),
        ],
        "k8s.io.api.core.v1.PodVolumeHealth": [
            "healthConditions": FieldPatchInfo(strategy: [.merge], mergeKey: "status", listType: .map(keys: ["status", "reason"]), keyDefaults: ["reason": "", "status": ""]),
        ],
        "k8s.io.api.core.v1.ReplicationControllerSpec": [
            "selector": FieldPatchInfo(isAtomic: true),
        ],
        "k8s.io.api.core.v1.ReplicationControllerStatus": [
            "conditions": FieldPatchInfo(strategy: [.merge], mergeKey: "type", listType: .map(keys: ["type"]), keyDefaults: ["type": ""]),
        ],
        "k8s.io.api.core.v1.ResourceRequirements": [
            "claims": FieldPatchInfo(listType: .map(keys: ["name"]), keyDefaults: ["name": ""]),
        ],
        "k8s.io.api.core.v1.ResourceStatus": [
            "resources": FieldPatchInfo(listType: .map(keys: ["resourceID"]), keyDefaults: ["resourceID": ""]),
        ],
        "k8s.io.api.core.v1.ServiceAccount": [
            "secrets": FieldPatchInfo(strategy: [.merge], mergeKey: "name", listType: .map(keys: ["name"])),
        ],
        "k8s.io.api.core.v1.ServiceSpec": [
            "ports": FieldPatchInfo(strategy: [.merge], mergeKey: "port", listType: .map(keys: ["port", "protocol"]), keyDefaults: ["port": 0, "protocol": "TCP"]),
            "selector": FieldPatchInfo(isAtomic: true),
        ],
        "k8s.io.api.core.v1.ServiceStatus": [
            "conditions": FieldPatchInfo(strategy: [.merge], mergeKey: "type", listType: .map(keys: ["type"]), keyDefaults: ["type": ""]),
        ],
        "k8s.io.api.core.v1.VolumeHealthStatus": [
            "healthConditions": FieldPatchInfo(strategy: [.merge], mergeKey: "status", listType: .map(keys: ["status", "reason"]), keyDefaults: ["reason": "", "status": ""]),
        ],
        "k8s.io.api.core.v1.VolumeMount": [
            "bindMountOptions": FieldPatchInfo(listType: .set),
        ],
        "k8s.io.api.discovery.v1.Endpoint": [
            "addresses": FieldPatchInfo(listType: .set),
        ],
        "k8s.io.api.networking.v1.ServiceCIDRStatus": [
            "conditions": FieldPatchInfo(strategy: [.merge], mergeKey: "type", listType: .map(keys: ["type"]), keyDefaults: ["type": ""]),
        ],
        "k8s.io.api.policy.v1.PodDisruptionBudgetSpec": [
            "selector": FieldPatchInfo(strategy: [.replace]),
        ],
        "k8s.io.api.policy.v1.PodDisruptionBudgetStatus": [
            "conditions": FieldPatchInfo(strategy: [.merge], mergeKey: "type", listType: .map(keys: ["type"]), keyDefaults: ["type": ""]),
        ],
        "k8s.io.apimachinery.pkg.apis.meta.v1.ObjectMeta": [
            "finalizers": FieldPatchInfo(strategy: [.merge], listType: .set),
            "ownerReferences": FieldPatchInfo(strategy: [.merge], mergeKey: "uid", listType: .map(keys: ["uid"]), keyDefaults: ["uid": ""]),
        ],
    ]

    static let atomicMessages: Set<String> = [
        "k8s.io.api.autoscaling.v1.CrossVersionObjectReference",
        "k8s.io.api.core.v1.ConfigMapKeySelector",
        "k8s.io.api.core.v1.EndpointAddress",
        "k8s.io.api.core.v1.EndpointPort",
        "k8s.io.api.core.v1.EvictionResponder",
        "k8s.io.api.core.v1.FileKeySelector",
        "k8s.io.api.core.v1.LocalObjectReference",
        "k8s.io.api.core.v1.NodeSelector",
        "k8s.io.api.core.v1.NodeSelectorTerm",
        "k8s.io.api.core.v1.ObjectFieldSelector",
        "k8s.io.api.core.v1.ObjectReference",
        "k8s.io.api.core.v1.ResourceFieldSelector",
        "k8s.io.api.core.v1.ScopeSelector",
        "k8s.io.api.core.v1.SecretKeySelector",
        "k8s.io.api.core.v1.SecretReference",
        "k8s.io.api.core.v1.TopologySelectorTerm",
        "k8s.io.api.core.v1.TypedLocalObjectReference",
        "k8s.io.api.discovery.v1.EndpointPort",
        "k8s.io.api.networking.v1.ServiceBackendPort",
        "k8s.io.api.rbac.v1.RoleRef",
        "k8s.io.api.rbac.v1.Subject",
        "k8s.io.apimachinery.pkg.apis.meta.v1.LabelSelector",
        "k8s.io.apimachinery.pkg.apis.meta.v1.OwnerReference",
    ]
}
