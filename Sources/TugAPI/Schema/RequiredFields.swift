/// The fields Kubernetes' published OpenAPI marks `required`, per message. The protobuf field
/// table has no such marker (every proto2 field is `optional`), so this is kept by hand from the
/// upstream definitions; `kubectl explain` shows these as `-required-` and client-side
/// validation rejects objects without them.
public enum RequiredFields {
    public static func of(message: String) -> [String] { all[message] ?? [] }

    private static let core = "k8s.io.api.core.v1."
    private static let apps = "k8s.io.api.apps.v1."
    private static let batch = "k8s.io.api.batch.v1."
    private static let rbac = "k8s.io.api.rbac.v1."
    private static let meta = "k8s.io.apimachinery.pkg.apis.meta.v1."
    private static let hpa = "k8s.io.api.autoscaling.v2."
    private static let net = "k8s.io.api.networking.v1."
    private static let discovery = "k8s.io.api.discovery.v1."

    public static let all: [String: [String]] = {
        var t: [String: [String]] = [:]
        func set(_ prefix: String, _ entries: [String: [String]]) {
            for (message, fields) in entries { t[prefix + message] = fields }
        }
        set(core, [
            "Container": ["name"], "EphemeralContainer": ["name"], "ContainerPort": ["containerPort"],
            "EnvVar": ["name"], "VolumeMount": ["name", "mountPath"], "VolumeDevice": ["name", "devicePath"],
            "Volume": ["name"], "PodSpec": ["containers"], "ServicePort": ["port"],
            "ConfigMapKeySelector": ["key"], "SecretKeySelector": ["key"], "ObjectFieldSelector": ["fieldPath"],
            "ResourceFieldSelector": ["resource"], "KeyToPath": ["key", "path"], "HTTPGetAction": ["port"],
            "TCPSocketAction": ["port"], "GRPCAction": ["port"], "HTTPHeader": ["name", "value"],
            "SleepAction": ["seconds"], "NodeSelector": ["nodeSelectorTerms"],
            "NodeSelectorRequirement": ["key", "operator"], "PreferredSchedulingTerm": ["weight", "preference"],
            "WeightedPodAffinityTerm": ["weight", "podAffinityTerm"], "PodAffinityTerm": ["topologyKey"],
            "TopologySpreadConstraint": ["maxSkew", "topologyKey", "whenUnsatisfiable"],
            "Taint": ["key", "effect"], "ContainerStatus": ["name", "ready", "restartCount", "image", "imageID"],
            "PodCondition": ["type", "status"], "NodeCondition": ["type", "status"],
            "NamespaceCondition": ["type", "status"], "ReplicationControllerCondition": ["type", "status"],
            "PersistentVolumeClaimCondition": ["type", "status"], "ServiceAccountTokenProjection": ["path"],
            "NodeAddress": ["type", "address"], "EndpointAddress": ["ip"], "EndpointPort": ["port"],
            "HostPathVolumeSource": ["path"], "Binding": ["target"], "Event": ["metadata", "involvedObject"],
            "LimitRangeSpec": ["limits"], "LimitRangeItem": ["type"], "Sysctl": ["name", "value"],
            "HostAlias": ["ip"], "PodReadinessGate": ["conditionType"], "SeccompProfile": ["type"],
            "AppArmorProfile": ["type"], "PodSchedulingGate": ["name"], "PodResourceClaim": ["name"],
            "ContainerResizePolicy": ["resourceName", "restartPolicy"], "TypedLocalObjectReference": ["kind", "name"],
            "ReplicationControllerSpec": [], "ScopedResourceSelectorRequirement": ["scopeName", "operator"],
            "TopologySelectorLabelRequirement": ["key", "values"], "DownwardAPIVolumeFile": ["path"],
            "NFSVolumeSource": ["server", "path"], "CSIVolumeSource": ["driver"], "LocalVolumeSource": ["path"],
        ])
        set(apps, [
            "DeploymentSpec": ["selector", "template"], "ReplicaSetSpec": ["selector"],
            "StatefulSetSpec": ["selector", "template"], "DaemonSetSpec": ["selector", "template"],
            "DeploymentCondition": ["type", "status"], "ReplicaSetCondition": ["type", "status"],
            "StatefulSetCondition": ["type", "status"], "DaemonSetCondition": ["type", "status"],
            "ControllerRevision": ["revision"],
        ])
        set(batch, [
            "JobSpec": ["template"], "CronJobSpec": ["schedule", "jobTemplate"],
            "JobCondition": ["type", "status"], "PodFailurePolicy": ["rules"],
            "PodFailurePolicyRule": ["action"], "PodFailurePolicyOnExitCodesRequirement": ["operator", "values"],
            "PodFailurePolicyOnPodConditionsPattern": ["type"],
        ])
        set(rbac, [
            "Subject": ["kind", "name"], "RoleRef": ["apiGroup", "kind", "name"], "PolicyRule": ["verbs"],
            "RoleBinding": ["roleRef"], "ClusterRoleBinding": ["roleRef"],
        ])
        set(meta, [
            "OwnerReference": ["apiVersion", "kind", "name", "uid"], "LabelSelectorRequirement": ["key", "operator"],
            "Condition": ["type", "status", "lastTransitionTime", "reason", "message"],
        ])
        set(hpa, [
            "HorizontalPodAutoscalerSpec": ["scaleTargetRef", "maxReplicas"], "CrossVersionObjectReference": ["kind", "name"],
            "MetricSpec": ["type"], "MetricStatus": ["type"], "MetricTarget": ["type"],
            "HorizontalPodAutoscalerCondition": ["type", "status"], "ResourceMetricSource": ["name", "target"],
            "HPAScalingPolicy": ["type", "value", "periodSeconds"],
        ])
        set(net, [
            "HTTPIngressRuleValue": ["paths"], "HTTPIngressPath": ["pathType", "backend"],
            "IngressServiceBackend": ["name"], "IngressClassParametersReference": ["kind", "name"],
        ])
        set(discovery, ["EndpointSlice": ["addressType", "endpoints"], "Endpoint": ["addresses"]])
        t["k8s.io.api.scheduling.v1.PriorityClass"] = ["value"]
        t["k8s.io.api.events.v1.Event"] = ["eventTime"]
        t["k8s.io.api.autoscaling.v1.HorizontalPodAutoscalerSpec"] = ["scaleTargetRef", "maxReplicas"]
        t["k8s.io.api.autoscaling.v1.CrossVersionObjectReference"] = ["kind", "name"]
        return t.filter { !$0.value.isEmpty }
    }()
}
