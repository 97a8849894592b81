import Foundation
import TugAPI

/// Which strategy serves which resource (pods are wired separately: their subresources need the typed store).
enum StrategyCatalog {
    static func handlers(info: (String, String) -> ResourceInfo,
                         make: (any ResourceStrategy) -> ResourceHandler) -> [ResourceHandler] {
        let strategies: [any ResourceStrategy] = [
            NamespaceStrategy(info: info("", "namespaces")),
            ServiceStrategy(info: info("", "services")),
            GenericStrategy<CoreV1.Endpoints>(info("", "endpoints")),
            ConfigMapStrategy(info: info("", "configmaps")),
            SecretStrategy(info: info("", "secrets")),
            GenericStrategy<CoreV1.Node>(info("", "nodes")),
            EventStrategy(info: info("", "events")),
            GenericStrategy<CoreV1.ServiceAccount>(info("", "serviceaccounts")),
            GenericStrategy<CoreV1.ReplicationController>(info("", "replicationcontrollers")),
            GenericStrategy<CoreV1.ResourceQuota>(info("", "resourcequotas")),
            GenericStrategy<CoreV1.LimitRange>(info("", "limitranges")),
            GenericStrategy<CoreV1.PersistentVolume>(info("", "persistentvolumes")),
            GenericStrategy<CoreV1.PersistentVolumeClaim>(info("", "persistentvolumeclaims")),
            DeploymentStrategy(info: info("apps", "deployments")),
            GenericStrategy<AppsV1.ReplicaSet>(info("apps", "replicasets")),
            GenericStrategy<AppsV1.StatefulSet>(info("apps", "statefulsets")),
            GenericStrategy<AppsV1.DaemonSet>(info("apps", "daemonsets")),
            GenericStrategy<AppsV1.ControllerRevision>(info("apps", "controllerrevisions")),
            JobStrategy(info: info("batch", "jobs")),
            GenericStrategy<BatchV1.CronJob>(info("batch", "cronjobs")),
            GenericStrategy<AutoscalingV2.HorizontalPodAutoscaler>(info("autoscaling", "horizontalpodautoscalers")),
            GenericStrategy<CoordinationV1.Lease>(info("coordination.k8s.io", "leases")),
            GenericStrategy<DiscoveryV1.EndpointSlice>(info("discovery.k8s.io", "endpointslices")),
            GenericStrategy<RbacV1.Role>(info("rbac.authorization.k8s.io", "roles")),
            GenericStrategy<RbacV1.RoleBinding>(info("rbac.authorization.k8s.io", "rolebindings")),
            GenericStrategy<RbacV1.ClusterRole>(info("rbac.authorization.k8s.io", "clusterroles")),
            GenericStrategy<RbacV1.ClusterRoleBinding>(info("rbac.authorization.k8s.io", "clusterrolebindings")),
            GenericStrategy<PolicyV1.PodDisruptionBudget>(info("policy", "poddisruptionbudgets")),
            GenericStrategy<SchedulingV1.PriorityClass>(info("scheduling.k8s.io", "priorityclasses")),
            GenericStrategy<NetworkingV1.Ingress>(info("networking.k8s.io", "ingresses")),
            GenericStrategy<NetworkingV1.IngressClass>(info("networking.k8s.io", "ingressclasses")),
            GenericStrategy<NetworkingV1.NetworkPolicy>(info("networking.k8s.io", "networkpolicies")),
            GenericStrategy<EventsV1.Event>(info("events.k8s.io", "events")),
        ]
        return strategies.map { make($0) }
    }
}
