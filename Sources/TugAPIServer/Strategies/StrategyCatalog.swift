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
        ]
        return strategies.map { make($0) }
    }

    /// The handler of a version served by conversion from `storage`.
    static func converted(_ info: ResourceInfo, storage: ResourceHandler, dispatcher: CacheDispatcher, admission: AdmissionContext) -> ResourceHandler {
        switch (info.group, info.resource) {
        case ("autoscaling", "horizontalpodautoscalers"):
            let v2 = HorizontalPodAutoscalerStrategy(info: storage.info)
            return ConvertedResource(strategy: HorizontalPodAutoscalerV1Strategy(info: info, v2: v2), storage: storage,
                                     conversion: HorizontalPodAutoscalerConversion(), dispatcher: dispatcher, admission: admission)
        case ("events.k8s.io", "events"):
            return ConvertedResource(strategy: EventsV1EventStrategy(info: info), storage: storage,
                                     conversion: EventConversion(), dispatcher: dispatcher, admission: admission)
        default:
            fatalError("no conversion for \(info.apiVersion) \(info.resource)")
        }
    }
}
