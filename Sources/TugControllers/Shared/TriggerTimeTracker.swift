import Foundation
import TugAPI

/// Computes `endpoints.kubernetes.io/last-change-trigger-time` as Kubernetes does: the
/// earliest trigger time (a pod's Ready transition, the service's creation) among the changes
/// seen since the previous sync of that service; nil when nothing with a time changed (a pod
/// went away), which clears the annotation.
actor TriggerTimeTracker {
    struct State {
        var service: Date?
        var pods: [String: Date]
    }
    private var states: [String: State] = [:]

    func compute(serviceKey: String, service: CoreV1.Service, pods: [CoreV1.Pod]) -> Date? {
        let old = states[serviceKey]
        var earliest: Date?
        func consider(_ d: Date) { earliest = min(earliest ?? d, d) }
        let serviceTime = service.metadata.creationTimestamp?.date
        if let t = serviceTime, old == nil || old?.service != t { consider(t) }
        var podTimes: [String: Date] = [:]
        for p in pods {
            guard let t = p.status?.conditions?.first(where: { $0.type == "Ready" })?.lastTransitionTime?.date else { continue }
            let name = p.metadata.name ?? ""
            podTimes[name] = t
            if old?.pods[name] != t { consider(t) }
        }
        states[serviceKey] = State(service: serviceTime, pods: podTimes)
        return earliest
    }

    func forget(_ serviceKey: String) { states[serviceKey] = nil }

    static func format(_ date: Date) -> String { RFC3339.format(date, fractionDigits: 0) }
}
