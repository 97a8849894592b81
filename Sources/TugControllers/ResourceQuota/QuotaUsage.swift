import Foundation
import TugAPI

/// What one object charges against a quota, as Kubernetes' quota evaluators count it.
enum QuotaUsage {
    typealias Usage = [String: Quantity]

    static func add(_ u: Usage, into total: inout Usage) {
        for (k, v) in u { total[k] = (total[k] ?? .zero) + v }
    }

    // MARK: pods

    /// Resources the pod evaluator answers for (and the only ones a scoped quota tracks).
    static func isPodResource(_ name: String) -> Bool {
        let fixed: Set<String> = ["pods", "count/pods", "cpu", "memory", "ephemeral-storage", "requests.cpu", "requests.memory",
                                  "requests.ephemeral-storage", "limits.cpu", "limits.memory", "limits.ephemeral-storage"]
        return fixed.contains(name) || name.hasPrefix("hugepages-") || name.hasPrefix("requests.hugepages-")
            || (name.hasPrefix("requests.") && name.contains("/"))
    }

    /// A pod charges compute only until it ends: not when Succeeded/Failed, nor once its
    /// deletion grace period has run out.
    static func chargesCompute(_ p: CoreV1.Pod, now: Date) -> Bool {
        if PodGCController.isTerminated(p) { return false }
        if let deletion = p.metadata.deletionTimestamp?.date, let grace = p.metadata.deletionGracePeriodSeconds,
           now > deletion.addingTimeInterval(TimeInterval(grace)) {
            return false
        }
        return true
    }

    /// `count/pods` for every pod; `pods` and requests/limits for pods that have not ended.
    static func pod(_ p: CoreV1.Pod, now: Date) -> Usage {
        var u: Usage = ["count/pods": 1]
        guard chargesCompute(p, now: now) else { return u }
        u["pods"] = 1
        let requests = PodResources.sum(p, \.requests)
        let limits = PodResources.sum(p, \.limits)
        for (name, q) in requests {
            switch name {
            case "cpu", "memory", "ephemeral-storage":
                u[name] = q
                u["requests.\(name)"] = q
            default:
                if name.hasPrefix("hugepages-") {
                    u[name] = q
                    u["requests.\(name)"] = q
                } else if name.contains("/") {
                    u["requests.\(name)"] = q     // extended resources are quota'd by request only
                }
            }
        }
        for (name, q) in limits where ["cpu", "memory", "ephemeral-storage"].contains(name) { u["limits.\(name)"] = q }
        return u
    }

    /// Quota scopes (and a scope selector) choose the pods a quota tracks.
    static func matches(_ p: CoreV1.Pod, scopes: [String], selector: [CoreV1.ScopedResourceSelectorRequirement]) -> Bool {
        let requirements = scopes.map { CoreV1.ScopedResourceSelectorRequirement(scopeName: $0, operator: "Exists") } + selector
        return requirements.allSatisfy { matches(p, $0) }
    }

    static func matches(_ p: CoreV1.Pod, _ req: CoreV1.ScopedResourceSelectorRequirement) -> Bool {
        let qos = p.status?.qosClass ?? (isBestEffort(p) ? "BestEffort" : "Burstable")
        switch req.scopeName ?? "" {
        case "Terminating": return (p.spec?.activeDeadlineSeconds).map { $0 >= 0 } ?? false
        case "NotTerminating": return p.spec?.activeDeadlineSeconds == nil
        case "BestEffort": return qos == "BestEffort"
        case "NotBestEffort": return qos != "BestEffort"
        case "CrossNamespacePodAffinity": return usesCrossNamespaceAffinity(p)
        case "PriorityClass":
            let name = p.spec?.priorityClassName ?? ""
            let values = req.values ?? []
            switch req.operator ?? "" {
            case "In": return values.contains(name)
            case "NotIn": return !values.contains(name)
            case "Exists": return !name.isEmpty
            case "DoesNotExist": return name.isEmpty
            default: return false
            }
        default: return false
        }
    }

    /// No cpu or memory asked for or limited anywhere (status.qosClass stands when set).
    static func isBestEffort(_ p: CoreV1.Pod) -> Bool {
        let containers = (p.spec?.containers ?? []) + (p.spec?.initContainers ?? [])
        return containers.allSatisfy { c in
            [c.resources?.requests, c.resources?.limits].allSatisfy { list in
                (list ?? [:]).allSatisfy { !["cpu", "memory"].contains($0.key) || $0.value.sign <= 0 }
            }
        }
    }

    static func usesCrossNamespaceAffinity(_ p: CoreV1.Pod) -> Bool {
        let affinity = p.spec?.affinity
        let terms = (affinity?.podAffinity?.requiredDuringSchedulingIgnoredDuringExecution ?? [])
            + (affinity?.podAffinity?.preferredDuringSchedulingIgnoredDuringExecution ?? []).compactMap(\.podAffinityTerm)
            + (affinity?.podAntiAffinity?.requiredDuringSchedulingIgnoredDuringExecution ?? [])
            + (affinity?.podAntiAffinity?.preferredDuringSchedulingIgnoredDuringExecution ?? []).compactMap(\.podAffinityTerm)
        return terms.contains { !($0.namespaces ?? []).isEmpty || $0.namespaceSelector != nil }
    }

    // MARK: other kinds

    /// `services`, node ports asked for (NodePort, and LoadBalancer unless it skips node
    /// ports, then only explicit ones), load balancers.
    static func service(_ s: CoreV1.Service) -> Usage {
        var u: Usage = ["services": 1, "count/services": 1]
        let ports = s.spec?.ports ?? []
        switch s.spec?.type {
        case "NodePort":
            u["services.nodeports"] = Quantity(value: Int64(ports.count))
        case "LoadBalancer":
            let explicitOnly = s.spec?.allocateLoadBalancerNodePorts == false
            u["services.nodeports"] = Quantity(value: Int64(explicitOnly ? ports.filter { ($0.nodePort ?? 0) != 0 }.count : ports.count))
            u["services.loadbalancers"] = 1
        default: break
        }
        return u
    }

    /// Claims count, and their storage requests, in total and per storage class.
    static func claim(_ c: CoreV1.PersistentVolumeClaim) -> Usage {
        var u: Usage = ["persistentvolumeclaims": 1, "count/persistentvolumeclaims": 1]
        let storage = c.spec?.resources?.requests?["storage"] ?? .zero
        u["requests.storage"] = storage
        if let sc = c.spec?.storageClassName, !sc.isEmpty {
            u["\(sc).storageclass.storage.k8s.io/persistentvolumeclaims"] = 1
            u["\(sc).storageclass.storage.k8s.io/requests.storage"] = storage
        }
        return u
    }
}

/// A pod's total requests or limits as Kubernetes sums them: app containers and restartable
/// init containers (sidecars) add up; the total is at least each init container (plus the
/// sidecars started before it); pod overhead adds on top.
enum PodResources {
    static func sum(_ p: CoreV1.Pod, _ field: KeyPath<CoreV1.ResourceRequirements, [String: Quantity]?>) -> [String: Quantity] {
        func of(_ c: CoreV1.Container) -> [String: Quantity] {
            // A limit stands in for a missing request, as API defaulting does.
            var list = c.resources?[keyPath: field] ?? [:]
            if field == \CoreV1.ResourceRequirements.requests {
                for (k, v) in c.resources?.limits ?? [:] where list[k] == nil { list[k] = v }
            }
            return list
        }
        var total: [String: Quantity] = [:]
        for c in p.spec?.containers ?? [] { QuotaUsage.add(of(c), into: &total) }
        var sidecars: [String: Quantity] = [:]
        var initMax: [String: Quantity] = [:]
        for c in p.spec?.initContainers ?? [] {
            let r = of(c)
            if c.restartPolicy == "Always" {
                QuotaUsage.add(r, into: &sidecars)
                QuotaUsage.add(r, into: &total)
            } else {
                var withSidecars = r
                QuotaUsage.add(sidecars, into: &withSidecars)
                for (k, v) in withSidecars where initMax[k].map({ v > $0 }) ?? true { initMax[k] = v }
            }
        }
        for (k, v) in initMax where total[k].map({ v > $0 }) ?? true { total[k] = v }
        // Overhead counts toward limits only where the pod has limits.
        for (k, v) in p.spec?.overhead ?? [:] where field == \CoreV1.ResourceRequirements.requests || total[k] != nil {
            total[k] = (total[k] ?? .zero) + v
        }
        return total
    }
}
