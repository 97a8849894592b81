import Foundation
import TugAPI

/// Rules the pod controllers (Deployment, ReplicaSet, StatefulSet, DaemonSet, Job) share: a
/// selector that matches the template's labels, a valid template, rolling-update bounds.
enum WorkloadValidation {
    static let selectorMismatch = "`selector` does not match template `labels`"

    /// `spec.selector` required, valid and non-empty (`empty selector is invalid for <kind>`).
    static func selector(_ s: MetaV1.LabelSelector?, path: String, kind: String) -> [FieldError] {
        guard let s else { return [.required(path)] }
        var errs = Validation.validateLabelSelector(s, path: path)
        if (s.matchLabels ?? [:]).isEmpty && (s.matchExpressions ?? []).isEmpty {
            errs.append(FieldError(.invalid, path, value: GoFormat.labelSelector(s), "empty selector is invalid for \(kind)"))
        }
        return errs
    }

    /// The template must carry labels the selector matches (an unparsable selector is reported instead).
    static func selectorMatchesTemplate(_ s: MetaV1.LabelSelector?, template: CoreV1.PodTemplateSpec?, path: String) -> [FieldError] {
        let selector: Labels.Selector
        do { selector = try Labels.Selector(s) } catch {
            return [FieldError(.invalid, "\(path).selector", value: GoFormat.labelSelector(s), "invalid label selector")]
        }
        guard let template, !selector.isEmpty else { return [] }
        let labels = template.metadata.labels
        if selector.matches(labels: labels ?? [:]) { return [] }
        return [FieldError(.invalid, "\(path).template.metadata.labels", value: GoFormat.stringMap(labels), selectorMismatch)]
    }

    /// `ValidatePodTemplateSpecForReplicaSet`: selector match, a valid template, restartPolicy
    /// Always and no activeDeadlineSeconds.
    static func replicaSetTemplate(selector s: MetaV1.LabelSelector?, template: CoreV1.PodTemplateSpec?,
                                   path: String, kind: String, extraVolumes: Set<String> = []) -> [FieldError] {
        guard let template else { return [.required("\(path).template")] }
        var errs = selectorMatchesTemplate(s, template: template, path: path)
        errs += PodSpecValidation.validateTemplate(template, path: "\(path).template", extraVolumes: extraVolumes)
        errs += alwaysRestart(template, path: "\(path).template.spec", kind: kind)
        return errs
    }

    static func alwaysRestart(_ template: CoreV1.PodTemplateSpec, path: String, kind: String) -> [FieldError] {
        var errs: [FieldError] = []
        let rp = template.spec?.restartPolicy ?? ""
        if rp != "Always" { errs.append(.notSupported("\(path).restartPolicy", rp, ["Always"])) }
        if let ads = template.spec?.activeDeadlineSeconds {
            errs.append(.invalid("\(path).activeDeadlineSeconds", ads, "activeDeadlineSeconds in \(kind) is not Supported"))
        }
        return errs
    }

    /// Non-negative integer fields, each at its path.
    static func nonNegative(_ fields: [(Int?, String)]) -> [FieldError] {
        fields.flatMap { value, path in value.map { Validation.validateNonnegative(Int64($0), path: path) } ?? [] }
    }

    /// Integer value of an IntOrString as a rolling update reads it (`25%` → 25).
    static func intOrPercentValue(_ v: IntOrString?) -> Int {
        switch v {
        case .int(let i): return i
        case .string(let s): return Int(s.dropLast()) ?? 0
        case nil: return 0
        }
    }

    static func intOrPercent(_ v: IntOrString?, path: String) -> [FieldError] {
        guard let v else { return [] }
        return Validation.validateIntOrPercent(v, path: path)
    }

    /// `status.X` counters non-negative and not above `status.replicas`.
    /// `ValidateReplicaSetStatus` (also ReplicationController's): counters within replicas,
    /// available within ready, nothing negative.
    static func replicaSetStatus(replicas: Int?, fullyLabeled: Int?, ready: Int?, available: Int?, observedGeneration: Int?) -> [FieldError] {
        var errs = replicaCounters(replicas: replicas, [(fullyLabeled, "fullyLabeledReplicas"), (ready, "readyReplicas"), (available, "availableReplicas")],
                                   path: "status")
        errs += nonNegative([(observedGeneration, "status.observedGeneration")])
        if (available ?? 0) > (ready ?? 0) {
            errs.append(.invalid("status.availableReplicas", available ?? 0, "cannot be greater than readyReplicas"))
        }
        return errs
    }

    static func replicaCounters(replicas: Int?, _ counters: [(Int?, String)], path: String) -> [FieldError] {
        var errs = nonNegative([(replicas, "\(path).replicas")] + counters.map { ($0.0, "\(path).\($0.1)") })
        let total = replicas ?? 0
        for (value, name) in counters where (value ?? 0) > total {
            errs.append(.invalid("\(path).\(name)", value ?? 0, "cannot be greater than status.replicas"))
        }
        return errs
    }

    /// The selector may not change after creation (apps/v1, batch/v1).
    static func immutableSelector(_ new: MetaV1.LabelSelector?, _ old: MetaV1.LabelSelector?, path: String) -> [FieldError] {
        sameSelector(new, old) ? [] : [FieldError(.invalid, path, value: GoFormat.labelSelector(new), "field is immutable")]
    }

    /// Equal as Kubernetes' semantic equality sees it (nil and empty collections alike).
    static func sameSelector(_ a: MetaV1.LabelSelector?, _ b: MetaV1.LabelSelector?) -> Bool {
        guard let a, let b else { return a == nil && b == nil }
        return (a.matchLabels ?? [:]) == (b.matchLabels ?? [:]) && (a.matchExpressions ?? []) == (b.matchExpressions ?? [])
    }
}
