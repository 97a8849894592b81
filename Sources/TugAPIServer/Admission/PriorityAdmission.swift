import Foundation
import TugAPI

extension AdmissionContext {
    /// Kubernetes' Priority admission: a pod naming a PriorityClass gets the class's value as
    /// `spec.priority` and its preemption policy as the default (an unknown class is Forbidden);
    /// a pod naming none gets the `globalDefault` class, if any. (Built-in `system-` classes and
    /// pods with no class and no default: `PodStrategy`.)
    func resolvePriority(_ pod: inout CoreV1.Pod) async throws {
        guard var spec = pod.spec else { return }
        if (spec.priorityClassName ?? "").isEmpty {
            // No class named: the globalDefault class, if there is one, applies (its name is recorded).
            guard spec.priority == nil, let pc = globalDefaultPriorityClass() else { return }
            spec.priorityClassName = pc.metadata.name
            spec.priority = pc.value ?? 0
            if spec.preemptionPolicy == nil { spec.preemptionPolicy = pc.preemptionPolicy ?? "PreemptLowerPriority" }
            pod.spec = spec
            return
        }
        guard let className = spec.priorityClassName, !["system-node-critical", "system-cluster-critical"].contains(className) else { return }
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

    /// The PriorityClass marked `globalDefault` (the lowest value if several are), from the watch cache.
    /// This runs for every pod created without a class, so only classes whose stored bytes
    /// (written by `JSONWriter`: no spaces) say `"globalDefault":true` are decoded.
    func globalDefaultPriorityClass() -> SchedulingV1.PriorityClass? {
        guard let cache = dispatcher.cache(groupResource: "priorityclasses.scheduling.k8s.io") else { return nil }
        let marker = Array(#""globalDefault":true"#.utf8)
        return cache.snapshot(ObjectFilter()).objects
            .filter { o in o.bytes.withUnsafeBufferPointer { $0.firstRange(of: marker) != nil } }
            .compactMap { try? APICoding.decode(SchedulingV1.PriorityClass.self, from: $0.bytes) }
            .filter { $0.globalDefault == true }
            .min { ($0.value ?? 0) < ($1.value ?? 0) }
    }

    static func forbidden(_ pod: CoreV1.Pod, _ why: String) -> APIError {
        let name = pod.metadata.name ?? ""
        return APIError(code: 403, reason: "Forbidden", message: "pods \"\(name)\" is forbidden: \(why)",
                        details: .init(name: name, kind: "pods"))
    }
}
