import Foundation
import TugAPI

/// Pods: spec defaults, the initial Pending status with its QoS class, a spec that is fixed
/// after creation, graceful deletion for bound pods, and kubectl's columns.
public struct PodStrategy: ResourceStrategy {
    public typealias Object = CoreV1.Pod
    public let info: ResourceInfo
    public init(info: ResourceInfo) { self.info = info }

    public var tracksGeneration: Bool { true }

    public func applyDefaults(_ obj: inout CoreV1.Pod) {
        var spec = obj.spec ?? CoreV1.PodSpec()
        PodSpecDefaults.apply(&spec)
        PodSpecDefaults.applyPodOnly(&spec)
        // v1's deprecated `serviceAccount` mirrors `serviceAccountName`.
        if (spec.serviceAccountName ?? "").isEmpty, let sa = spec.serviceAccount, !sa.isEmpty { spec.serviceAccountName = sa }
        if let sa = spec.serviceAccountName, !sa.isEmpty { spec.serviceAccount = sa }
        obj.spec = spec
    }

    public func prepareForCreate(_ obj: inout CoreV1.Pod) {
        var spec = obj.spec ?? CoreV1.PodSpec()
        Self.admissionDefaults(&spec)
        obj.spec = spec
        var status = CoreV1.PodStatus(phase: "Pending", qosClass: PodQOS.compute(spec))
        if !(spec.schedulingGates ?? []).isEmpty {
            status.conditions = [CoreV1.PodCondition(type: "PodScheduled", status: "False", reason: "SchedulingGated",
                                                     message: "Scheduling is blocked due to non-empty scheduling gates")]
        }
        obj.status = status
    }

    /// What Kubernetes' default admission plugins add to every new pod: the namespace's
    /// `default` service account (ServiceAccount), priority 0 or a built-in class's value
    /// (Priority), and five minutes' tolerance of not-ready or unreachable nodes
    /// (DefaultTolerationSeconds).
    static func admissionDefaults(_ spec: inout CoreV1.PodSpec) {
        if (spec.serviceAccountName ?? "").isEmpty { spec.serviceAccountName = "default" }
        spec.serviceAccount = spec.serviceAccountName
        let builtIn = ["system-node-critical": 2_000_001_000, "system-cluster-critical": 2_000_000_000]
        let className = spec.priorityClassName ?? ""
        if className.isEmpty || builtIn[className] != nil {
            if spec.priority == nil { spec.priority = builtIn[className] ?? 0 }
            if spec.preemptionPolicy == nil { spec.preemptionPolicy = "PreemptLowerPriority" }
        }
        var tolerations = spec.tolerations ?? []
        for key in ["node.kubernetes.io/not-ready", "node.kubernetes.io/unreachable"] {
            let covered = tolerations.contains { t in
                (t.key == key || (t.key ?? "").isEmpty) && (t.effect == "NoExecute" || (t.effect ?? "").isEmpty)
            }
            if !covered { tolerations.append(CoreV1.Toleration(key: key, operator: "Exists", effect: "NoExecute", tolerationSeconds: 300)) }
        }
        spec.tolerations = tolerations
    }

    public func prepareForUpdate(_ new: inout CoreV1.Pod, old: CoreV1.Pod) {
        new.status = old.status
        // The Priority plugin keeps what it set on create.
        if new.spec?.priority == nil { new.spec?.priority = old.spec?.priority }
        if new.spec?.preemptionPolicy == nil { new.spec?.preemptionPolicy = old.spec?.preemptionPolicy }
    }

    public func prepareForStatusUpdate(_ new: CoreV1.Pod, old: CoreV1.Pod) -> CoreV1.Pod {
        var o = old
        var status = new.status ?? CoreV1.PodStatus()
        if (status.qosClass ?? "").isEmpty { status.qosClass = old.status?.qosClass }
        // v1 keeps the singular and plural IP fields in step.
        if let ip = status.podIP, !ip.isEmpty, (status.podIPs ?? []).isEmpty { status.podIPs = [CoreV1.PodIP(ip: ip)] }
        if (status.podIP ?? "").isEmpty, let first = status.podIPs?.first?.ip { status.podIP = first }
        if let ip = status.hostIP, !ip.isEmpty, (status.hostIPs ?? []).isEmpty { status.hostIPs = [CoreV1.HostIP(ip: ip)] }
        if (status.hostIP ?? "").isEmpty, let first = status.hostIPs?.first?.ip { status.hostIP = first }
        o.status = status
        return o
    }

    public func validate(_ obj: CoreV1.Pod) -> [FieldError] {
        PodSpecValidation.validate(obj.spec ?? CoreV1.PodSpec(), path: "spec")
    }

    public func validateUpdate(_ new: CoreV1.Pod, old: CoreV1.Pod) -> [FieldError] {
        PodUpdateValidation.validate(new.spec ?? CoreV1.PodSpec(), old: old.spec ?? CoreV1.PodSpec())
    }

    public func validateStatusUpdate(_ new: CoreV1.Pod, old: CoreV1.Pod) -> [FieldError] {
        var errs: [FieldError] = []
        let newQOS = new.status?.qosClass ?? ""
        if newQOS != (old.status?.qosClass ?? "") { errs.append(.invalid("status.qosClass", newQOS, "field is immutable")) }
        if let n = new.status?.nominatedNodeName, !n.isEmpty {
            errs += Validation.isDNS1123Subdomain(n).map { FieldError.invalid("status.nominatedNodeName", n, $0) }
        }
        let phases = ["Pending", "Running", "Succeeded", "Failed", "Unknown"]
        if let phase = new.status?.phase, !phase.isEmpty, !phases.contains(phase) {
            errs.append(.notSupported("status.phase", phase, phases))
        }
        return errs
    }

    /// Bound, unfinished pods stop gracefully; the rest go at once. A negative period becomes 1.
    public func gracePeriod(for obj: CoreV1.Pod, requested: Int?) -> Int {
        var period = requested ?? obj.spec?.terminationGracePeriodSeconds ?? 0
        if (obj.spec?.nodeName ?? "").isEmpty { period = 0 }
        let phase = obj.status?.phase ?? ""
        if phase == "Succeeded" || phase == "Failed" { period = 0 }
        return period < 0 ? 1 : period
    }

    public var selectableFieldNames: [String] {
        ["spec.nodeName", "spec.restartPolicy", "spec.schedulerName", "spec.serviceAccountName", "spec.hostNetwork",
         "status.phase", "status.podIP", "status.nominatedNodeName"]
    }

    public func selectableFields(_ obj: CoreV1.Pod) -> [String: String] {
        let podIP = obj.status?.podIPs?.first?.ip ?? obj.status?.podIP ?? ""
        return ["spec.nodeName": obj.spec?.nodeName ?? "", "spec.restartPolicy": obj.spec?.restartPolicy ?? "",
                "spec.schedulerName": obj.spec?.schedulerName ?? "", "spec.serviceAccountName": obj.spec?.serviceAccountName ?? "",
                "spec.hostNetwork": String(obj.spec?.hostNetwork ?? false), "status.phase": obj.status?.phase ?? "",
                "status.podIP": podIP, "status.nominatedNodeName": obj.status?.nominatedNodeName ?? ""]
    }

    public var tableColumns: [TableColumn] { PodTable.columns }

    public func tableCells(_ obj: CoreV1.Pod, now: Date) -> [JSONValue] { PodTable.cells(obj, now: now) }
}
