import Foundation
import TugAPI

/// DaemonSets: RollingUpdate with maxUnavailable 1 and maxSurge 0, selector/template
/// validation, an immutable selector and kubectl's columns.
public struct DaemonSetStrategy: ResourceStrategy {
    public typealias Object = AppsV1.DaemonSet
    public let info: ResourceInfo
    public init(info: ResourceInfo) { self.info = info }

    public var tracksGeneration: Bool { true }

    public func applyDefaults(_ obj: inout AppsV1.DaemonSet) {
        var spec = obj.spec ?? AppsV1.DaemonSetSpec()
        var us = spec.updateStrategy ?? AppsV1.DaemonSetUpdateStrategy()
        if (us.type ?? "").isEmpty { us.type = "RollingUpdate" }
        if us.type == "RollingUpdate" {
            var ru = us.rollingUpdate ?? AppsV1.RollingUpdateDaemonSet()
            if ru.maxUnavailable == nil { ru.maxUnavailable = .int(1) }
            if ru.maxSurge == nil { ru.maxSurge = .int(0) }
            us.rollingUpdate = ru
        }
        spec.updateStrategy = us
        if spec.revisionHistoryLimit == nil { spec.revisionHistoryLimit = 10 }
        PodSpecDefaults.applyTemplate(&spec.template)
        obj.spec = spec
    }

    public func prepareForCreate(_ obj: inout AppsV1.DaemonSet) {
        obj.status = AppsV1.DaemonSetStatus(currentNumberScheduled: 0, numberMisscheduled: 0, desiredNumberScheduled: 0, numberReady: 0)
    }

    public func prepareForUpdate(_ new: inout AppsV1.DaemonSet, old: AppsV1.DaemonSet) { new.status = old.status }

    public func prepareForStatusUpdate(_ new: AppsV1.DaemonSet, old: AppsV1.DaemonSet) -> AppsV1.DaemonSet {
        var o = old
        o.status = new.status
        return o
    }

    public func validate(_ obj: AppsV1.DaemonSet) -> [FieldError] {
        let spec = obj.spec ?? AppsV1.DaemonSetSpec()
        var errs: [FieldError] = []
        if spec.selector == nil { errs.append(.required("spec.selector")) }
        errs += Validation.validateLabelSelector(spec.selector, path: "spec.selector")
        errs += WorkloadValidation.selectorMatchesTemplate(spec.selector, template: spec.template, path: "spec")
        if let s = spec.selector, (s.matchLabels ?? [:]).isEmpty && (s.matchExpressions ?? []).isEmpty {
            errs.append(FieldError(.invalid, "spec.selector", value: GoFormat.labelSelector(s), "empty selector is invalid for daemonset"))
        }
        errs += PodSpecValidation.validateTemplate(spec.template, path: "spec.template")
        if let template = spec.template {
            errs += WorkloadValidation.alwaysRestart(template, path: "spec.template.spec", kind: "DaemonSet")
        }
        errs += WorkloadValidation.nonNegative([(spec.minReadySeconds, "spec.minReadySeconds"),
                                                (spec.revisionHistoryLimit, "spec.revisionHistoryLimit")])
        errs += Self.updateStrategy(spec.updateStrategy ?? AppsV1.DaemonSetUpdateStrategy(), path: "spec.updateStrategy")
        return errs
    }

    static func updateStrategy(_ s: AppsV1.DaemonSetUpdateStrategy, path: String) -> [FieldError] {
        switch s.type ?? "" {
        case "OnDelete": return []
        case "RollingUpdate":
            guard let ru = s.rollingUpdate else { return [.required("\(path).rollingUpdate")] }
            let rp = "\(path).rollingUpdate"
            var errs = WorkloadValidation.intOrPercent(ru.maxUnavailable, path: "\(rp).maxUnavailable")
            errs += WorkloadValidation.intOrPercent(ru.maxSurge, path: "\(rp).maxSurge")
            if let v = ru.maxUnavailable { errs += Validation.validateNotMoreThan100Percent(v, path: "\(rp).maxUnavailable") }
            if let v = ru.maxSurge { errs += Validation.validateNotMoreThan100Percent(v, path: "\(rp).maxSurge") }
            let unavailable = WorkloadValidation.intOrPercentValue(ru.maxUnavailable) != 0
            let surge = WorkloadValidation.intOrPercentValue(ru.maxSurge) != 0
            if unavailable && surge {
                errs.append(FieldError(.invalid, "\(rp).maxSurge", value: GoFormat.json(ru.maxSurge), "may not be set when maxUnavailable is non-zero"))
            } else if !unavailable && !surge {
                errs.append(.required("\(rp).maxUnavailable", "cannot be 0 when maxSurge is 0"))
            }
            return errs
        case let other:
            return [FieldError(.notSupported, path, value: goQuoted(other), "supported values: \"RollingUpdate\", \"OnDelete\"")]
        }
    }

    public func validateUpdate(_ new: AppsV1.DaemonSet, old: AppsV1.DaemonSet) -> [FieldError] {
        WorkloadValidation.immutableSelector(new.spec?.selector, old.spec?.selector, path: "spec.selector")
    }

    public func validateStatusUpdate(_ new: AppsV1.DaemonSet, old: AppsV1.DaemonSet) -> [FieldError] {
        guard let s = new.status else { return [] }
        return WorkloadValidation.nonNegative([
            (s.currentNumberScheduled, "status.currentNumberScheduled"), (s.numberMisscheduled, "status.numberMisscheduled"),
            (s.desiredNumberScheduled, "status.desiredNumberScheduled"), (s.numberReady, "status.numberReady"),
            (s.observedGeneration, "status.observedGeneration"), (s.updatedNumberScheduled, "status.updatedNumberScheduled"),
            (s.numberAvailable, "status.numberAvailable"), (s.numberUnavailable, "status.numberUnavailable"),
            (s.collisionCount, "status.collisionCount"),
        ])
    }

    public var tableColumns: [TableColumn] {
        [.name, .integer("Desired", "The total number of nodes that should be running the daemon pod."),
         .integer("Current", "The number of nodes that are running at least 1 daemon pod and are supposed to run the daemon pod."),
         .integer("Ready", "The number of nodes that should be running the daemon pod and have one or more of the daemon pod running and ready."),
         .integer("Up-to-date", "The total number of nodes that are running updated daemon pod"),
         .integer("Available", "The number of nodes that should be running the daemon pod and have one or more of the daemon pod running and available."),
         .string("Node Selector", "NodeSelector is a selector which must be true for the pod to fit on a node."),
         .age, .containers, .images, .selector]
    }

    public func tableCells(_ obj: AppsV1.DaemonSet, now: Date) -> [JSONValue] {
        let s = obj.status
        return [TableFormat.name(obj), TableFormat.int(s?.desiredNumberScheduled), TableFormat.int(s?.currentNumberScheduled),
                TableFormat.int(s?.numberReady), TableFormat.int(s?.updatedNumberScheduled), TableFormat.int(s?.numberAvailable),
                .string(TableFormat.labels(obj.spec?.template?.spec?.nodeSelector)), TableFormat.age(obj, now)]
            + TableFormat.containers(obj.spec?.template?.spec) + [.string(TableFormat.labelSelector(obj.spec?.selector))]
    }
}
