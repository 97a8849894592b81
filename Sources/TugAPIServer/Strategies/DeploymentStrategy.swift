import Foundation
import TugAPI

/// Deployments: apps/v1 defaults, selector/template validation, rolling-update bounds, an
/// immutable selector, the scale subresource and kubectl's columns.
public struct DeploymentStrategy: ResourceStrategy {
    public typealias Object = AppsV1.Deployment
    public let info: ResourceInfo
    public init(info: ResourceInfo) { self.info = info }

    public var tracksGeneration: Bool { true }

    public func applyDefaults(_ obj: inout AppsV1.Deployment) {
        var spec = obj.spec ?? AppsV1.DeploymentSpec()
        if spec.replicas == nil { spec.replicas = 1 }
        var strategy = spec.strategy ?? AppsV1.DeploymentStrategy()
        if (strategy.type ?? "").isEmpty { strategy.type = "RollingUpdate" }
        if strategy.type == "RollingUpdate" {
            var ru = strategy.rollingUpdate ?? AppsV1.RollingUpdateDeployment()
            if ru.maxUnavailable == nil { ru.maxUnavailable = .string("25%") }
            if ru.maxSurge == nil { ru.maxSurge = .string("25%") }
            strategy.rollingUpdate = ru
        }
        spec.strategy = strategy
        if spec.revisionHistoryLimit == nil { spec.revisionHistoryLimit = 10 }
        if spec.progressDeadlineSeconds == nil { spec.progressDeadlineSeconds = 600 }
        PodSpecDefaults.applyTemplate(&spec.template)
        obj.spec = spec
    }

    public func prepareForCreate(_ obj: inout AppsV1.Deployment) { obj.status = AppsV1.DeploymentStatus() }

    public func prepareForUpdate(_ new: inout AppsV1.Deployment, old: AppsV1.Deployment) { new.status = old.status }

    public func prepareForStatusUpdate(_ new: AppsV1.Deployment, old: AppsV1.Deployment) -> AppsV1.Deployment {
        var o = old
        o.status = new.status
        return o
    }

    public func validate(_ obj: AppsV1.Deployment) -> [FieldError] {
        let spec = obj.spec ?? AppsV1.DeploymentSpec()
        var errs = WorkloadValidation.nonNegative([(spec.replicas, "spec.replicas")])
        errs += WorkloadValidation.selector(spec.selector, path: "spec.selector", kind: "deployment")
        errs += WorkloadValidation.replicaSetTemplate(selector: spec.selector, template: spec.template, path: "spec", kind: "ReplicaSet")
        errs += Self.strategy(spec.strategy ?? AppsV1.DeploymentStrategy(), path: "spec.strategy")
        errs += WorkloadValidation.nonNegative([(spec.minReadySeconds, "spec.minReadySeconds"),
                                                (spec.revisionHistoryLimit, "spec.revisionHistoryLimit"),
                                                (spec.progressDeadlineSeconds, "spec.progressDeadlineSeconds")])
        if let pds = spec.progressDeadlineSeconds, pds <= (spec.minReadySeconds ?? 0) {
            errs.append(.invalid("spec.progressDeadlineSeconds", pds, "must be greater than minReadySeconds"))
        }
        return errs
    }

    static func strategy(_ s: AppsV1.DeploymentStrategy, path: String) -> [FieldError] {
        switch s.type ?? "" {
        case "Recreate":
            return s.rollingUpdate == nil ? [] : [.forbidden("\(path).rollingUpdate", "may not be specified when strategy `type` is 'Recreate'")]
        case "RollingUpdate":
            guard let ru = s.rollingUpdate else { return [.required("\(path).rollingUpdate", "this should be defaulted and never be nil")] }
            let rp = "\(path).rollingUpdate"
            var errs = WorkloadValidation.intOrPercent(ru.maxUnavailable, path: "\(rp).maxUnavailable")
            errs += WorkloadValidation.intOrPercent(ru.maxSurge, path: "\(rp).maxSurge")
            if WorkloadValidation.intOrPercentValue(ru.maxUnavailable) == 0 && WorkloadValidation.intOrPercentValue(ru.maxSurge) == 0 {
                errs.append(FieldError(.invalid, "\(rp).maxUnavailable", value: GoFormat.json(ru.maxUnavailable), "may not be 0 when `maxSurge` is 0"))
            }
            if let mu = ru.maxUnavailable { errs += Validation.validateNotMoreThan100Percent(mu, path: "\(rp).maxUnavailable") }
            return errs
        case let other:
            return [FieldError(.notSupported, path, value: goQuoted(other), "supported values: \"Recreate\", \"RollingUpdate\"")]
        }
    }

    public func validateUpdate(_ new: AppsV1.Deployment, old: AppsV1.Deployment) -> [FieldError] {
        WorkloadValidation.immutableSelector(new.spec?.selector, old.spec?.selector, path: "spec.selector")
    }

    public func validateStatusUpdate(_ new: AppsV1.Deployment, old: AppsV1.Deployment) -> [FieldError] {
        guard let s = new.status else { return [] }
        var errs = WorkloadValidation.replicaCounters(
            replicas: s.replicas,
            [(s.updatedReplicas, "updatedReplicas"), (s.readyReplicas, "readyReplicas"), (s.availableReplicas, "availableReplicas")],
            path: "status")
        errs += WorkloadValidation.nonNegative([(s.observedGeneration, "status.observedGeneration"),
                                                (s.unavailableReplicas, "status.unavailableReplicas"),
                                                (s.collisionCount, "status.collisionCount")])
        if (s.availableReplicas ?? 0) > (s.readyReplicas ?? 0) {
            errs.append(.invalid("status.availableReplicas", s.availableReplicas ?? 0, "cannot be greater than readyReplicas"))
        }
        return errs
    }

    public var scale: ScaleAccess<AppsV1.Deployment>? {
        ScaleAccess(specReplicas: { $0.spec?.replicas ?? 1 },
                    setSpecReplicas: { obj, n in
                        if obj.spec == nil { obj.spec = AppsV1.DeploymentSpec() }
                        obj.spec?.replicas = n
                    },
                    statusReplicas: { $0.status?.replicas ?? 0 },
                    selector: { TableFormat.selectorString($0.spec?.selector) })
    }

    public var tableColumns: [TableColumn] {
        [.name, .string("Ready", "Number of the pod with ready state"),
         .integer("Up-to-date", "Total number of non-terminated pods targeted by this deployment that have the desired template spec."),
         .integer("Available", "Total number of available pods (ready for at least minReadySeconds) targeted by this deployment."),
         .age, .containers, .images, .selector]
    }

    public func tableCells(_ obj: AppsV1.Deployment, now: Date) -> [JSONValue] {
        let s = obj.status
        return [TableFormat.name(obj), .string("\(s?.readyReplicas ?? 0)/\(obj.spec?.replicas ?? 0)"),
                TableFormat.int(s?.updatedReplicas), TableFormat.int(s?.availableReplicas), TableFormat.age(obj, now)]
            + TableFormat.containers(obj.spec?.template?.spec) + [.string(TableFormat.selectorString(obj.spec?.selector))]
    }
}
