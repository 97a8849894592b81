import Foundation
import TugAPI

/// Jobs: defaults, the generated `controller-uid` selector, immutable template and selector.
public struct JobStrategy: ResourceStrategy {
    public typealias Object = BatchV1.Job
    public let info: ResourceInfo
    public init(info: ResourceInfo) { self.info = info }

    public var tracksGeneration: Bool { true }

    public func applyDefaults(_ obj: inout BatchV1.Job) {
        var spec = obj.spec ?? BatchV1.JobSpec()
        if spec.completions == nil && spec.parallelism == nil { spec.completions = 1 }
        if spec.parallelism == nil { spec.parallelism = 1 }
        if spec.backoffLimit == nil { spec.backoffLimit = 6 }
        if spec.completionMode == nil { spec.completionMode = "NonIndexed" }
        if spec.suspend == nil { spec.suspend = false }
        if var t = spec.template {
            var ps = t.spec ?? CoreV1.PodSpec()
            PodSpecDefaults.apply(&ps)
            t.spec = ps
            spec.template = t
        }
        obj.spec = spec
    }

    /// Like Kubernetes, a Job without manualSelector gets a selector on its own uid.
    public func prepareForCreate(_ obj: inout BatchV1.Job) {
        obj.status = nil
        guard obj.spec?.manualSelector != true, let uid = obj.metadata.uid else { return }
        let labels = ["batch.kubernetes.io/controller-uid": uid, "controller-uid": uid,
                      "batch.kubernetes.io/job-name": obj.metadata.name ?? "", "job-name": obj.metadata.name ?? ""]
        obj.spec?.selector = MetaV1.LabelSelector(matchLabels: ["batch.kubernetes.io/controller-uid": uid])
        var meta = obj.spec?.template?.metadata ?? MetaV1.ObjectMeta()
        meta.labels = (meta.labels ?? [:]).merging(labels) { a, _ in a }
        obj.spec?.template?.metadata = meta
    }

    public func prepareForUpdate(_ new: inout BatchV1.Job, old: BatchV1.Job) { new.status = old.status }
    public func prepareForStatusUpdate(_ new: BatchV1.Job, old: BatchV1.Job) -> BatchV1.Job {
        var o = old
        o.status = new.status
        return o
    }

    public func validate(_ obj: BatchV1.Job) -> [FieldError] {
        var errs: [FieldError] = []
        let spec = obj.spec
        if let p = spec?.parallelism, p < 0 { errs.append(.invalid("spec.parallelism", p, "must be greater than or equal to 0")) }
        if let c = spec?.completions, c < 0 { errs.append(.invalid("spec.completions", c, "must be greater than or equal to 0")) }
        if let b = spec?.backoffLimit, b < 0 { errs.append(.invalid("spec.backoffLimit", b, "must be greater than or equal to 0")) }
        let rp = spec?.template?.spec?.restartPolicy ?? ""
        if rp != "OnFailure" && rp != "Never" { errs.append(.notSupported("spec.template.spec.restartPolicy", rp, ["OnFailure", "Never"])) }
        if (spec?.template?.spec?.containers ?? []).isEmpty { errs.append(.required("spec.template.spec.containers")) }
        return errs
    }

    public func validateUpdate(_ new: BatchV1.Job, old: BatchV1.Job) -> [FieldError] {
        var errs: [FieldError] = []
        if new.spec?.selector != old.spec?.selector { errs.append(FieldError(.invalid, "spec.selector", "field is immutable")) }
        if new.spec?.template != old.spec?.template { errs.append(FieldError(.invalid, "spec.template", "field is immutable")) }
        return errs
    }

    public var tableColumns: [TableColumn] {
        [.name, TableColumn("Status"), TableColumn("Completions"), TableColumn("Duration"), .age]
    }

    public func tableCells(_ obj: BatchV1.Job, now: Date) -> [JSONValue] {
        let s = obj.status
        let conds = s?.conditions ?? []
        var status = "Running"
        if conds.contains(where: { $0.type == "Complete" && $0.status == "True" }) { status = "Complete" }
        else if conds.contains(where: { $0.type == "Failed" && $0.status == "True" }) { status = "Failed" }
        else if obj.spec?.suspend == true { status = "Suspended" }
        let duration = s?.startTime.map { Age.format((s?.completionTime?.date ?? now).timeIntervalSince($0.date)) } ?? ""
        return [.string(obj.metadata.name ?? ""), .string(status),
                .string("\(s?.succeeded ?? 0)/\(obj.spec?.completions ?? 1)"), .string(duration),
                .string(Age.since(obj.metadata.creationTimestamp, now: now))]
    }
}
