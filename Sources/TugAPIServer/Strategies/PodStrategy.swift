import Foundation
import TugAPI

/// Pods: status reset on create, graceful deletion for bound pods, kubectl's columns.
public struct PodStrategy: ResourceStrategy {
    public typealias Object = CoreV1.Pod
    public let info: ResourceInfo
    public init(info: ResourceInfo) { self.info = info }

    public var tracksGeneration: Bool { true }

    public func applyDefaults(_ obj: inout CoreV1.Pod) {
        var spec = obj.spec ?? CoreV1.PodSpec()
        PodSpecDefaults.apply(&spec)
        obj.spec = spec
    }

    public func prepareForCreate(_ obj: inout CoreV1.Pod) {
        obj.status = CoreV1.PodStatus(phase: "Pending", qosClass: PodSpecDefaults.qosClass(obj.spec))
    }

    public func prepareForUpdate(_ new: inout CoreV1.Pod, old: CoreV1.Pod) {
        new.status = old.status
    }

    public func prepareForStatusUpdate(_ new: CoreV1.Pod, old: CoreV1.Pod) -> CoreV1.Pod {
        var o = old
        o.status = new.status
        return o
    }

    public func validate(_ obj: CoreV1.Pod) -> [FieldError] {
        var errs: [FieldError] = []
        let containers = obj.spec?.containers ?? []
        if containers.isEmpty { errs.append(.required("spec.containers")) }
        var seen = Set<String>()
        for (i, c) in containers.enumerated() {
            let p = "spec.containers[\(i)]"
            let name = c.name ?? ""
            if name.isEmpty { errs.append(.required("\(p).name")) }
            else if !seen.insert(name).inserted { errs.append(.duplicate("\(p).name", name)) }
            if (c.image ?? "").isEmpty { errs.append(.required("\(p).image")) }
        }
        return errs
    }

    public func gracePeriod(for obj: CoreV1.Pod, requested: Int?) -> Int {
        let phase = obj.status?.phase ?? ""
        guard let node = obj.spec?.nodeName, !node.isEmpty, phase != "Succeeded", phase != "Failed" else { return 0 }
        return requested ?? obj.spec?.terminationGracePeriodSeconds ?? 30
    }

    public var selectableFieldNames: [String] {
        ["spec.nodeName", "spec.restartPolicy", "spec.schedulerName", "spec.serviceAccountName", "spec.hostNetwork",
         "status.phase", "status.podIP", "status.nominatedNodeName"]
    }

    public func selectableFields(_ obj: CoreV1.Pod) -> [String: String] {
        ["spec.nodeName": obj.spec?.nodeName ?? "", "spec.restartPolicy": obj.spec?.restartPolicy ?? "",
         "spec.schedulerName": obj.spec?.schedulerName ?? "", "spec.serviceAccountName": obj.spec?.serviceAccountName ?? "",
         "spec.hostNetwork": String(obj.spec?.hostNetwork ?? false), "status.phase": obj.status?.phase ?? "",
         "status.podIP": obj.status?.podIP ?? "", "status.nominatedNodeName": obj.status?.nominatedNodeName ?? ""]
    }

    public var tableColumns: [TableColumn] {
        [.name, TableColumn("Ready"), TableColumn("Status"), TableColumn("Restarts", type: "string"), .age,
         TableColumn("IP", priority: 1), TableColumn("Node", priority: 1), TableColumn("Nominated Node", priority: 1),
         TableColumn("Readiness Gates", priority: 1)]
    }

    public func tableCells(_ obj: CoreV1.Pod, now: Date) -> [JSONValue] {
        let statuses = obj.status?.containerStatuses ?? []
        let total = obj.spec?.containers?.count ?? 0
        let ready = statuses.filter { $0.ready == true }.count
        let restarts = statuses.reduce(0) { $0 + ($1.restartCount ?? 0) }
        var status = obj.status?.reason ?? obj.status?.phase ?? "Pending"
        for s in statuses {
            if let r = s.state?.waiting?.reason, !r.isEmpty { status = r }
            else if let r = s.state?.terminated?.reason, !r.isEmpty { status = r }
        }
        if obj.metadata.deletionTimestamp != nil { status = "Terminating" }
        return [.string(obj.metadata.name ?? ""), .string("\(ready)/\(total)"), .string(status), .string(String(restarts)),
                .string(Age.since(obj.metadata.creationTimestamp, now: now)),
                .string(obj.status?.podIP ?? "<none>"), .string(obj.spec?.nodeName ?? "<none>"), "<none>", "<none>"]
    }
}
