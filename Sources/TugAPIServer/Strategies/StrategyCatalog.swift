import Foundation
import TugAPI

/// Which strategy serves which resource (pods are wired separately: their subresources need the typed store).
enum StrategyCatalog {
    static func handlers(info: (String, String) -> ResourceInfo,
                         make: (any ResourceStrategy) -> ResourceHandler) -> [ResourceHandler] {
        let strategies: [any ResourceStrategy] = [
            NamespaceStrategy(info: info("", "namespaces")),
            ServiceStrategy(info: info("", "services")),
            EndpointsStrategy(info: info("", "endpoints")),
            ConfigMapStrategy(info: info("", "configmaps")),
            SecretStrategy(info: info("", "secrets")),
            NodeStrategy(info: info("", "nodes")),
            EventStrategy(info: info("", "events")),
            ServiceAccountStrategy(info: info("", "serviceaccounts")),
            ReplicationControllerStrategy(info: info("", "replicationcontrollers")),
            ResourceQuotaStrategy(info: info("", "resourcequotas")),
            LimitRangeStrategy(info: info("", "limitranges")),
            PersistentVolumeStrategy(info: info("", "persistentvolumes")),
            PersistentVolumeClaimStrategy(info: info("", "persistentvolumeclaims")),
            DeploymentStrategy(info: info("apps", "deployments")),
            ReplicaSetStrategy(info: info("apps", "replicasets")),
            StatefulSetStrategy(info: info("apps", "statefulsets")),
            DaemonSetStrategy(info: info("apps", "daemonsets")),
            ControllerRevisionStrategy(info: info("apps", "controllerrevisions")),
            JobStrategy(info: info("batch", "jobs")),
            CronJobStrategy(info: info("batch", "cronjobs")),
            HorizontalPodAutoscalerStrategy(info: info("autoscaling", "horizontalpodautoscalers")),
            LeaseStrategy(info: info("coordination.k8s.io", "leases")),
            EndpointSliceStrategy(info: info("discovery.k8s.io", "endpointslices")),
            RoleStrategy(info: info("rbac.authorization.k8s.io", "roles")),
            RoleBindingStrategy(info: info("rbac.authorization.k8s.io", "rolebindings")),
            ClusterRoleStrategy(info: info("rbac.authorization.k8s.io", "clusterroles")),
            ClusterRoleBindingStrategy(info: info("rbac.authorization.k8s.io", "clusterrolebindings")),
            PodDisruptionBudgetStrategy(info: info("policy", "poddisruptionbudgets")),
            PriorityClassStrategy(info: info("scheduling.k8s.io", "priorityclasses")),
            IngressStrategy(info: info("networking.k8s.io", "ingresses")),
            IngressClassStrategy(info: info("networking.k8s.io", "ingressclasses")),
            NetworkPolicyStrategy(info: info("networking.k8s.io", "networkpolicies")),
            EventsV1EventStrategy(info: info("events.k8s.io", "events")),
        ]
        return strategies.map { make($0) }
    }
}
