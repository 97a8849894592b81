import Foundation
import TugAPI

/// Kubernetes' `ValidateJobSpec` and `ValidateJobSpecUpdate` (batch/v1), shared by Jobs and
/// CronJobs' job templates.
enum JobValidation {
    /// The spec rules apart from the selector (a CronJob's template has none).
    static func spec(_ spec: BatchV1.JobSpec, path p: String) -> [FieldError] {
        var errs = WorkloadValidation.nonNegative([
            (spec.parallelism, "\(p).parallelism"), (spec.completions, "\(p).completions"),
            (spec.activeDeadlineSeconds, "\(p).activeDeadlineSeconds"), (spec.backoffLimit, "\(p).backoffLimit"),
            (spec.ttlSecondsAfterFinished, "\(p).ttlSecondsAfterFinished"),
        ])
        let indexed = spec.completionMode == "Indexed"
        if let perIndex = spec.backoffLimitPerIndex {
            errs += Validation.validateNonnegative(Int64(perIndex), path: "\(p).backoffLimitPerIndex")
            if !indexed { errs.append(.forbidden("\(p).backoffLimitPerIndex", "requires indexed completion mode")) }
        }
        if let maxFailed = spec.maxFailedIndexes {
            errs += Validation.validateNonnegative(Int64(maxFailed), path: "\(p).maxFailedIndexes")
            if spec.backoffLimitPerIndex == nil { errs.append(.required("\(p).backoffLimitPerIndex", "when maxFailedIndexes is specified")) }
            if let c = spec.completions, maxFailed > c { errs.append(.invalid("\(p).maxFailedIndexes", maxFailed, "must be less than or equal to completions")) }
        }
        if let mode = spec.completionMode {
            if mode != "NonIndexed" && mode != "Indexed" { errs.append(.notSupported("\(p).completionMode", mode, ["NonIndexed", "Indexed"])) }
            if indexed {
                if spec.completions == nil { errs.append(.required("\(p).completions", "when completion mode is Indexed")) }
                if let par = spec.parallelism, par > 100_000 {
                    errs.append(.invalid("\(p).parallelism", par, "must be less than or equal to 100000 when completion mode is Indexed"))
                }
            }
        }
        if let policy = spec.podFailurePolicy { errs += podFailurePolicy(policy, path: "\(p).podFailurePolicy") }
        if let prp = spec.podReplacementPolicy {
            if spec.podFailurePolicy != nil {
                if prp != "Failed" { errs.append(.notSupported("\(p).podReplacementPolicy", prp, ["Failed"])) }
            } else if prp != "TerminatingOrFailed" && prp != "Failed" {
                errs.append(.notSupported("\(p).podReplacementPolicy", prp, ["TerminatingOrFailed", "Failed"]))
            }
        }
        errs += PodSpecValidation.validateTemplate(spec.template, path: "\(p).template")
        let rp = spec.template?.spec?.restartPolicy ?? ""
        if rp == "Always" || rp.isEmpty {
            errs.append(.required("\(p).template.spec.restartPolicy", "valid values: \"OnFailure\", \"Never\""))
        } else if rp != "OnFailure" && rp != "Never" {
            errs.append(.notSupported("\(p).template.spec.restartPolicy", rp, ["OnFailure", "Never"]))
        } else if spec.podFailurePolicy != nil && rp != "Never" {
            errs.append(.invalid("\(p).template.spec.restartPolicy", rp, "only \"Never\" is supported when podFailurePolicy is specified"))
        }
        return errs
    }

    static func podFailurePolicy(_ policy: BatchV1.PodFailurePolicy, path: String) -> [FieldError] {
        var errs: [FieldError] = []
        let rules = policy.rules ?? []
        if rules.count > 20 { errs.append(FieldError(.tooMany, "\(path).rules", value: String(rules.count), "must have at most 20 items")) }
        for (i, rule) in rules.enumerated() {
            let rp = "\(path).rules[\(i)]"
            let actions = ["Count", "FailIndex", "FailJob", "Ignore"]
            let action = rule.action ?? ""
            if action.isEmpty { errs.append(.required("\(rp).action")) }
            else if !actions.contains(action) { errs.append(.notSupported("\(rp).action", action, actions)) }
            switch (rule.onExitCodes, rule.onPodConditions) {
            case (.some, .some):
                errs.append(FieldError(.invalid, rp, value: GoFormat.json(rule), "specifying both OnExitCodes and OnPodConditions is not supported"))
            case (nil, nil):
                errs.append(FieldError(.invalid, rp, value: GoFormat.json(rule), "specifying one of OnExitCodes and OnPodConditions is required"))
            case (let codes?, nil):
                let op = codes.operator ?? ""
                if op != "In" && op != "NotIn" { errs.append(.notSupported("\(rp).onExitCodes.operator", op, ["In", "NotIn"])) }
                let values = codes.values ?? []
                if values.isEmpty { errs.append(FieldError(.invalid, "\(rp).onExitCodes.values", value: "[]", "at least one value is required")) }
                for (j, v) in values.enumerated() where op == "In" && v == 0 {
                    errs.append(.invalid("\(rp).onExitCodes.values[\(j)]", v, "must not be 0 for the In operator"))
                }
            case (nil, let conditions?):
                for (j, c) in conditions.enumerated() {
                    let s = c.status ?? ""
                    if !["True", "False", "Unknown"].contains(s) {
                        errs.append(.notSupported("\(rp).onPodConditions[\(j)].status", s, ["True", "False", "Unknown"]))
                    }
                    let t = c.type ?? ""
                    if t.isEmpty { errs.append(.required("\(rp).onPodConditions[\(j)].type")) }
                    else { errs += Validation.isQualifiedName(t).map { FieldError.invalid("\(rp).onPodConditions[\(j)].type", t, $0) } }
                }
            }
        }
        return errs
    }

    /// What an update may not change. A suspended Job that never started may still change the
    /// template's scheduling directives (node selector and affinity, tolerations, labels,
    /// annotations, scheduling gates).
    static func update(_ new: BatchV1.Job, old: BatchV1.Job) -> [FieldError] {
        let spec = new.spec ?? BatchV1.JobSpec()
        let oldSpec = old.spec ?? BatchV1.JobSpec()
        var errs: [FieldError] = []
        if spec.completionMode == "Indexed" {
            if spec.completions != oldSpec.completions && spec.completions != spec.parallelism {
                errs.append(.invalid("spec.completions", spec.completions ?? 0, "can only be modified in tandem with spec.parallelism"))
            }
        } else if spec.completions != oldSpec.completions {
            errs.append(FieldError(.invalid, "spec.completions", value: spec.completions.map(String.init) ?? "null", "field is immutable"))
        }
        errs += WorkloadValidation.immutableSelector(spec.selector, oldSpec.selector, path: "spec.selector")
        var oldTemplate = oldSpec.template
        let mutableScheduling = oldSpec.suspend == true && old.status?.startTime == nil
        if mutableScheduling, var t = oldTemplate, let nt = spec.template {
            t.metadata.labels = nt.metadata.labels
            t.metadata.annotations = nt.metadata.annotations
            t.spec?.nodeSelector = nt.spec?.nodeSelector
            t.spec?.tolerations = nt.spec?.tolerations
            t.spec?.schedulingGates = nt.spec?.schedulingGates
            if t.spec?.affinity != nil || nt.spec?.affinity != nil {
                var affinity = t.spec?.affinity ?? CoreV1.Affinity()
                affinity.nodeAffinity = nt.spec?.affinity?.nodeAffinity
                t.spec?.affinity = affinity == CoreV1.Affinity() && nt.spec?.affinity == nil ? nil : affinity
            }
            oldTemplate = t
        }
        if spec.template != oldTemplate {
            errs.append(FieldError(.invalid, "spec.template", value: GoFormat.json(spec.template), "field is immutable"))
        }
        errs += GoFormat.immutableString(spec.completionMode, oldSpec.completionMode, path: "spec.completionMode")
        errs += GoFormat.immutable(spec.podFailurePolicy, oldSpec.podFailurePolicy, path: "spec.podFailurePolicy")
        errs += GoFormat.immutable(spec.backoffLimitPerIndex, oldSpec.backoffLimitPerIndex, path: "spec.backoffLimitPerIndex")
        errs += GoFormat.immutable(spec.managedBy, oldSpec.managedBy, path: "spec.managedBy")
        errs += GoFormat.immutable(spec.successPolicy, oldSpec.successPolicy, path: "spec.successPolicy")
        return errs
    }
}
