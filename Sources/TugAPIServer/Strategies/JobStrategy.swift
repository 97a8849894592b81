import Foundation
import TugAPI

/// Jobs: batch/v1 defaults, the selector and labels the server generates from the Job's uid,
/// validation, what an update may change, and kubectl's columns.
public struct JobStrategy: ResourceStrategy {
    public typealias Object = BatchV1.Job
    public let info: ResourceInfo
    public init(info: ResourceInfo) { self.info = info }

    public var tracksGeneration: Bool { true }

    static let controllerUID = "batch.kubernetes.io/controller-uid"
    static let legacyControllerUID = "controller-uid"
    static let jobName = "batch.kubernetes.io/job-name"
    static let legacyJobName = "job-name"

    public func applyDefaults(_ obj: inout BatchV1.Job) {
        var spec = obj.spec ?? BatchV1.JobSpec()
        if spec.completions == nil && spec.parallelism == nil {
            spec.completions = 1
            spec.parallelism = 1
        }
        if spec.parallelism == nil { spec.parallelism = 1 }
        if spec.backoffLimit == nil { spec.backoffLimit = spec.backoffLimitPerIndex != nil ? Int(Int32.max) : 6 }
        if let labels = spec.template?.metadata.labels, (obj.metadata.labels ?? [:]).isEmpty { obj.metadata.labels = labels }
        if spec.completionMode == nil { spec.completionMode = "NonIndexed" }
        if spec.suspend == nil { spec.suspend = false }
        if var policy = spec.podFailurePolicy {
            policy.rules = policy.rules?.map { rule in
                var r = rule
                r.onPodConditions = r.onPodConditions?.map { c in
                    var c = c
                    if (c.status ?? "").isEmpty { c.status = "True" }
                    return c
                }
                return r
            }
            spec.podFailurePolicy = policy
        }
        if spec.podReplacementPolicy == nil { spec.podReplacementPolicy = spec.podFailurePolicy != nil ? "Failed" : "TerminatingOrFailed" }
        if spec.manualSelector == nil { spec.manualSelector = false }
        PodSpecDefaults.applyTemplate(&spec.template)
        obj.spec = spec
    }

    /// Without `manualSelector`, pods are selected by the Job's uid: the template gets
    /// `controller-uid` and `job-name` labels (both spellings), the selector the uid.
    public func prepareForCreate(_ obj: inout BatchV1.Job) {
        obj.status = BatchV1.JobStatus()
        guard obj.spec?.manualSelector != true else { return }
        let uid = obj.metadata.uid ?? ""
        let name = obj.metadata.name ?? ""
        var spec = obj.spec ?? BatchV1.JobSpec()
        var template = spec.template ?? CoreV1.PodTemplateSpec()
        var labels = template.metadata.labels ?? [:]
        for key in [Self.legacyJobName, Self.jobName] where labels[key] == nil { labels[key] = name }
        for key in [Self.legacyControllerUID, Self.controllerUID] where labels[key] == nil { labels[key] = uid }
        template.metadata.labels = labels
        spec.template = template
        var selector = spec.selector ?? MetaV1.LabelSelector()
        var matchLabels = selector.matchLabels ?? [:]
        if matchLabels[Self.controllerUID] == nil { matchLabels[Self.controllerUID] = uid }
        selector.matchLabels = matchLabels
        spec.selector = selector
        obj.spec = spec
    }

    public func prepareForUpdate(_ new: inout BatchV1.Job, old: BatchV1.Job) { new.status = old.status }

    public func prepareForStatusUpdate(_ new: BatchV1.Job, old: BatchV1.Job) -> BatchV1.Job {
        var o = old
        o.status = new.status
        return o
    }

    public func validate(_ obj: BatchV1.Job) -> [FieldError] {
        let spec = obj.spec ?? BatchV1.JobSpec()
        var errs = generatedSelector(obj)
        errs += JobValidation.spec(spec, path: "spec")
        if let s = spec.selector { errs += Validation.validateLabelSelector(s, path: "spec.selector") }
        else { errs.append(.required("spec.selector")) }
        if let selector = try? Labels.Selector(spec.selector), !selector.matches(labels: spec.template?.metadata.labels ?? [:]) {
            errs.append(FieldError(.invalid, "spec.template.metadata.labels", value: GoFormat.stringMap(spec.template?.metadata.labels),
                                   WorkloadValidation.selectorMismatch))
        }
        if spec.completionMode == "Indexed", let completions = spec.completions, completions > 0 {
            let name = obj.metadata.name ?? ""
            let hostname = "\(name)-\(completions - 1)"
            if !Validation.isDNS1123Label(hostname).isEmpty {
                errs.append(.invalid("metadata.name", name, "will not able to create pod with invalid DNS label: \(hostname)"))
            }
        }
        return errs
    }

    /// A server-made selector must still be the one the server made.
    func generatedSelector(_ obj: BatchV1.Job) -> [FieldError] {
        guard obj.spec?.manualSelector != true, let template = obj.spec?.template, template.metadata.labels != nil else { return [] }
        var errs: [FieldError] = []
        let uid = obj.metadata.uid ?? ""
        if uid.isEmpty { errs.append(.required("metadata.uid")) }
        let expected = [(Self.legacyControllerUID, uid), (Self.legacyJobName, obj.metadata.name ?? ""),
                        (Self.controllerUID, uid), (Self.jobName, obj.metadata.name ?? "")]
        let labels = template.metadata.labels ?? [:]
        for (key, value) in expected {
            let path = "spec.template.metadata.labels[\(key)]"
            if let actual = labels[key] {
                if actual != value { errs.append(FieldError(.invalid, path, value: GoFormat.stringMap(labels), value)) }
            } else {
                errs.append(.required(path, value))
            }
        }
        if let selector = try? Labels.Selector(obj.spec?.selector), !selector.matches(labels: [Self.controllerUID: uid]) {
            errs.append(FieldError(.invalid, "spec.selector", value: GoFormat.labelSelector(obj.spec?.selector), "`selector` not auto-generated"))
        }
        return errs
    }

    public func validateUpdate(_ new: BatchV1.Job, old: BatchV1.Job) -> [FieldError] { JobValidation.update(new, old: old) }

    public func validateStatusUpdate(_ new: BatchV1.Job, old: BatchV1.Job) -> [FieldError] {
        guard let s = new.status else { return [] }
        return WorkloadValidation.nonNegative([(s.active, "status.active"), (s.succeeded, "status.succeeded"), (s.failed, "status.failed"),
                                               (s.ready, "status.ready"), (s.terminating, "status.terminating")])
    }

    public var selectableFieldNames: [String] { ["status.successful"] }
    public func selectableFields(_ obj: BatchV1.Job) -> [String: String] { ["status.successful": String(obj.status?.succeeded ?? 0)] }

    public var tableColumns: [TableColumn] {
        [.name, .string("Status", "Status of the job."), .string("Completions", "The completed and desired completions."),
         .string("Duration", "Time required to complete the job."), .age, .containers, .images, .selector]
    }

    public func tableCells(_ obj: BatchV1.Job, now: Date) -> [JSONValue] {
        let status = obj.status
        let succeeded = status?.succeeded ?? 0
        let completions: String
        if let c = obj.spec?.completions {
            completions = "\(succeeded)/\(c)"
        } else if let p = obj.spec?.parallelism, p > 1 {
            completions = "\(succeeded)/1 of \(p)"
        } else {
            completions = "\(succeeded)/1"
        }
        var duration = ""
        if let start = status?.startTime {
            duration = Age.format((status?.completionTime?.date ?? now).timeIntervalSince(start.date))
        }
        func has(_ type: String) -> Bool { (status?.conditions ?? []).contains { $0.type == type && $0.status == "True" } }
        let state: String
        if has("Complete") { state = "Complete" }
        else if has("Failed") { state = "Failed" }
        else if obj.metadata.deletionTimestamp != nil { state = "Terminating" }
        else if has("Suspended") { state = "Suspended" }
        else if has("FailureTarget") { state = "FailureTarget" }
        else if has("SuccessCriteriaMet") { state = "SuccessCriteriaMet" }
        else { state = "Running" }
        return [TableFormat.name(obj), .string(state), .string(completions), .string(duration), TableFormat.age(obj, now)]
            + TableFormat.containers(obj.spec?.template?.spec) + [.string(TableFormat.labelSelector(obj.spec?.selector))]
    }
}
