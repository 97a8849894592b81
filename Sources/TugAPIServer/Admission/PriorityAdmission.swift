import Foundation
import TugAPI

extension AdmissionContext {
    /// Kubernetes' Priority admission for pods naming a PriorityClass of their own: the class's
    /// value becomes `spec.priority` and its preemption policy the default; an unknown class is
    /// Forbidden. (Built-in `system-` classes and pods without a class: `PodStrategy`.)
    func resolvePriority(_ pod: inout CoreV1.Pod) async throws {
        guard var spec = pod.spec, let className = spec.priorityClassName, !className.isEmpty,
              !["system-node-critical", "system-cluster-critical"].contains(className) else { return }
        let key = "/registry/priorityclasses.scheduling.k8s.io/\(className)"
        var bytes = dispatcher.cache(groupResource: "priorityclasses.scheduling.k8s.io")?.get(key)?.bytes
        if bytes == nil { bytes = try await store.get(key).map { Array($0.value) } }
        guard let bytes, let pc = try? APICoding.decode(SchedulingV1.PriorityClass.self, from: Data(bytes)) else {
            throw Self.forbidden(pod, "no PriorityClass with name \(className) was found")
        }
        let value = pc.value ?? 0
        if let given = spec.priority, given != value {
            throw Self.forbidden(pod, "the integer value of priority (\(given)) must not be provided in pod spec; "
                                 + "priority admission controller computed \(value) from the given PriorityClass name")
        }
        spec.priority = value
        if spec.preemptionPolicy == nil { spec.preemptionPolicy = pc.preemptionPolicy ?? "PreemptLowerPriority" }
        pod.spec = spec
    }

    static func forbidden(_ pod: CoreV1.Pod, _ why: String) -> APIError {
        let name = pod.metadata.name ?? ""
        return APIError(code: 403, reason: "Forbidden", message: "pods \"\(name)\" is forbidden: \(why)",
                        details: .init(name: name, kind: "pods"))
    }
}
