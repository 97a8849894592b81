import Foundation
import TugAPI

/// CronJobs: batch/v1 defaults (Allow, not suspended, keep 3 successful and 1 failed Job), a
/// parsable schedule and time zone, a valid job template, kubectl's columns.
public struct CronJobStrategy: ResourceStrategy {
    public typealias Object = BatchV1.CronJob
    public let info: ResourceInfo
    public init(info: ResourceInfo) { self.info = info }

    public var tracksGeneration: Bool { true }

    public func applyDefaults(_ obj: inout BatchV1.CronJob) {
        var spec = obj.spec ?? BatchV1.CronJobSpec()
        if (spec.concurrencyPolicy ?? "").isEmpty { spec.concurrencyPolicy = "Allow" }
        if spec.suspend == nil { spec.suspend = false }
        if spec.successfulJobsHistoryLimit == nil { spec.successfulJobsHistoryLimit = 3 }
        if spec.failedJobsHistoryLimit == nil { spec.failedJobsHistoryLimit = 1 }
        if var jt = spec.jobTemplate, var js = jt.spec {
            PodSpecDefaults.applyTemplate(&js.template)
            jt.spec = js
            spec.jobTemplate = jt
        }
        obj.spec = spec
    }

    public func prepareForCreate(_ obj: inout BatchV1.CronJob) { obj.status = BatchV1.CronJobStatus() }

    public func prepareForUpdate(_ new: inout BatchV1.CronJob, old: BatchV1.CronJob) { new.status = old.status }

    public func prepareForStatusUpdate(_ new: BatchV1.CronJob, old: BatchV1.CronJob) -> BatchV1.CronJob {
        var o = old
        o.status = new.status
        return o
    }

    public func validate(_ obj: BatchV1.CronJob) -> [FieldError] { validate(obj, old: nil) }

    public func validateUpdate(_ new: BatchV1.CronJob, old: BatchV1.CronJob) -> [FieldError] {
        // `validate` already ran without the old object; only the rules that depend on it remain.
        var errs: [FieldError] = []
        let spec = new.spec ?? BatchV1.CronJobSpec()
        let oldSpec = old.spec ?? BatchV1.CronJobSpec()
        // A stored schedule using TZ keeps working; a new one may not introduce it.
        if let schedule = spec.schedule, schedule.contains("TZ"), (oldSpec.schedule ?? "").contains("TZ"), spec.timeZone != nil {
            errs.append(.invalid("spec.schedule", schedule, "cannot use both timeZone field and TZ or CRON_TZ in schedule"))
        }
        return errs
    }

    func validate(_ obj: BatchV1.CronJob, old: BatchV1.CronJob?) -> [FieldError] {
        let spec = obj.spec ?? BatchV1.CronJobSpec()
        var errs: [FieldError] = []
        let name = obj.metadata.name ?? ""
        // The controller appends an 11-character suffix to make Job names.
        if name.utf8.count > 52 { errs.append(.invalid("metadata.name", name, "must be no more than 52 characters")) }
        let schedule = spec.schedule ?? ""
        if schedule.isEmpty {
            errs.append(.required("spec.schedule"))
        } else {
            do { _ = try CronSchedule(parsing: schedule) } catch { errs.append(.invalid("spec.schedule", schedule, error.message)) }
            if schedule.contains("TZ") {
                errs.append(.invalid("spec.schedule", schedule, "cannot use TZ or CRON_TZ in schedule, use timeZone field instead"))
            }
        }
        errs += WorkloadValidation.nonNegative([(spec.startingDeadlineSeconds, "spec.startingDeadlineSeconds"),
                                                (spec.successfulJobsHistoryLimit, "spec.successfulJobsHistoryLimit"),
                                                (spec.failedJobsHistoryLimit, "spec.failedJobsHistoryLimit")])
        errs += Self.timeZone(spec.timeZone)
        switch spec.concurrencyPolicy ?? "" {
        case "Allow", "Forbid", "Replace": break
        case "": errs.append(.required("spec.concurrencyPolicy"))
        case let other: errs.append(.notSupported("spec.concurrencyPolicy", other, ["Allow", "Forbid", "Replace"]))
        }
        let template = spec.jobTemplate ?? BatchV1.JobTemplateSpec()
        errs += Validation.validateLabels(template.metadata.labels, path: "spec.jobTemplate.metadata.labels")
        errs += Validation.validateAnnotations(template.metadata.annotations, path: "spec.jobTemplate.metadata.annotations")
        let jobSpec = template.spec ?? BatchV1.JobSpec()
        errs += JobValidation.spec(jobSpec, path: "spec.jobTemplate.spec")
        if let s = jobSpec.selector {
            errs.append(FieldError(.invalid, "spec.jobTemplate.spec.selector", value: GoFormat.labelSelector(s), "`selector` will be auto-generated"))
        }
        if jobSpec.manualSelector == true {
            errs.append(FieldError(.notSupported, "spec.jobTemplate.spec.manualSelector", value: "true", "supported values: \"nil\", \"false\""))
        }
        return errs
    }

    static func timeZone(_ tz: String?) -> [FieldError] {
        guard let tz else { return [] }
        let path = "spec.timeZone"
        if tz.isEmpty { return [.invalid(path, tz, "timeZone must be nil or non-empty string")] }
        var errs: [FieldError] = []
        if tz.lowercased() == "local" {
            errs.append(.invalid(path, tz, "timeZone must be an explicit time zone as defined in https://www.iana.org/time-zones"))
        }
        let allowed = CharacterSet(charactersIn: "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789.-_+")
        for part in tz.split(separator: "/", omittingEmptySubsequences: false) {
            let ok = !part.isEmpty && part.count <= 14 && part != "." && part != ".." && !part.hasPrefix("-")
                && part.unicodeScalars.allSatisfy { allowed.contains($0) }
            if !ok { return errs + [.invalid(path, tz, "unknown time zone \(tz)")] }
        }
        if TimeZone(identifier: tz) == nil { errs.append(.invalid(path, tz, "unknown time zone \(tz)")) }
        return errs
    }

    public var tableColumns: [TableColumn] {
        [.name, .string("Schedule", "The schedule in Cron format."), .string("Timezone", "The time zone name for the given schedule."),
         TableColumn("Suspend", type: "boolean", description: "This flag tells the controller to suspend subsequent executions."),
         .integer("Active", "A list of pointers to currently running jobs."),
         .string("Last Schedule", "Information when was the last time the job was successfully scheduled."), .age,
         .containers, .images, .selector]
    }

    public func tableCells(_ obj: BatchV1.CronJob, now: Date) -> [JSONValue] {
        let spec = obj.spec
        let last = obj.status?.lastScheduleTime.map { Age.since($0, now: now) } ?? "<none>"
        let jobSpec = spec?.jobTemplate?.spec
        return [TableFormat.name(obj), .string(spec?.schedule ?? ""), .string(spec?.timeZone ?? "<none>"),
                .string(TableFormat.boolPtr(spec?.suspend)), .int(Int64(obj.status?.active?.count ?? 0)), .string(last),
                TableFormat.age(obj, now)]
            + TableFormat.containers(jobSpec?.template?.spec) + [.string(TableFormat.labelSelector(jobSpec?.selector))]
    }
}
