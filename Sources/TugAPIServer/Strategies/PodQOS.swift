import Foundation
import TugAPI

/// A pod's QoS class, as Kubernetes' `ComputePodQOS`: only cpu and memory count; pod-level
/// resources, when set, decide alone.
///
/// - BestEffort: no positive request or limit anywhere.
/// - Guaranteed: every container (init containers too) limits both cpu and memory, and the
///   summed requests equal the summed limits for each resource.
/// - Burstable: anything else.
enum PodQOS {
    static let computeResources: Set<String> = ["cpu", "memory"]

    static func compute(_ spec: CoreV1.PodSpec?) -> String {
        var requests: [String: Quantity] = [:]
        var limits: [String: Quantity] = [:]
        var guaranteed = true
        func add(_ list: [String: Quantity]?, into sum: inout [String: Quantity]) -> Set<String> {
            var found = Set<String>()
            for (name, q) in list ?? [:] where computeResources.contains(name) && q.sign > 0 {
                found.insert(name)
                sum[name] = sum[name].map { $0 + q } ?? q
            }
            return found
        }
        if let pod = spec?.resources, !(pod.requests ?? [:]).isEmpty || !(pod.limits ?? [:]).isEmpty {
            _ = add(pod.requests, into: &requests)
            if add(pod.limits, into: &limits) != computeResources { guaranteed = false }
        } else {
            for c in (spec?.containers ?? []) + (spec?.initContainers ?? []) {
                _ = add(c.resources?.requests, into: &requests)
                if add(c.resources?.limits, into: &limits) != computeResources { guaranteed = false }
            }
        }
        if requests.isEmpty && limits.isEmpty { return "BestEffort" }
        if guaranteed {
            for (name, req) in requests {
                guard let lim = limits[name], lim.compare(req) == 0 else { guaranteed = false; break }
            }
        }
        return guaranteed && requests.count == limits.count ? "Guaranteed" : "Burstable"
    }
}
