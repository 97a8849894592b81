import Foundation
import TugAPI

/// Deployments: defaults, selector/template validation, scale, kubectl's columns.
public struct DeploymentStrategy: ResourceStrategy {
    public typealias Object = AppsV1.Deployment
    public let info: ResourceInfo
    public init(info: ResourceInfo) { self.info = info }

    public var tracksGeneration: Bool { true }

    public func applyDefaults(_ obj: inout AppsV1.Deployment) {
        var spec = obj.spec ?? AppsV1.DeploymentSpec()
        if spec.replicas == nil { spec.replicas = 1 }
        var strategy = spec.strategy ?? AppsV1.DeploymentStrategy()
        if strategy.type == nil { strategy.type = "RollingUpdate" }
        if strategy.type == "RollingUpdate" {
            var ru = strategy.rollingUpdate ?? AppsV1.RollingUpdateDeployment()
            if ru.maxSurge == nil { ru.maxSurge = .string("25%") }
            if ru.maxUnavailable == nil { ru.maxUnavailable = .string("25%") }
            strategy.rollingUpdate = ru
        }
        spec.strategy = strategy
        if spec.revisionHistoryLimit == nil { spec.revisionHistoryLimit = 10 }
        if spec.progressDeadlineSeconds == nil { spec.progressDeadlineSeconds = 600 }
        if var t = spec.template {
            var ps = t.spec ?? CoreV1.PodSpec()
            PodSpecDefaults.apply(&ps)
            t.spec = ps
            spec.template = t
        }
        obj.spec = spec
    }

    public func prepareForCreate(_ obj: inout AppsV1.Deployment) { obj.status = nil }
    public func prepareForUpdate(_ new: inout AppsV1.Deployment, old: AppsV1.Deployment) { new.status = old.status }
    public func prepareForStatusUpdate(_ new: AppsV1.Deployment, old: AppsV1.Deployment) -> AppsV1.Deployment {
        var o = old
        o.status = new.status
        return o
    }

    public func validate(_ obj: AppsV1.Deployment) -> [FieldError] {
        var errs: [FieldError] = []
        guard let spec = obj.spec else { return [.required("spec")] }
        if let r = spec.replicas, r < 0 { errs.append(.invalid("spec.replicas", r, "must be greater than or equal to 0")) }
        guard let sel = spec.selector else {
            errs.append(.required("spec.selector"))
            return errs
        }
        let labels = spec.template?.metadata.labels ?? [:]
        if let s = try? Labels.Selector(sel) {
            if s.isEmpty { errs.append(.invalid("spec.selector", "", "empty selector is invalid for deployment")) }
            else if !s.matches(labels: labels) {
                errs.append(FieldError(.invalid, "spec.template.metadata.labels", value: "map\(labels)", "`selector` does not match template `labels`"))
            }
        } else {
            errs.append(.invalid("spec.selector", Labels.Selector.format(sel), "invalid label selector"))
        }
        return errs
    }

    public func validateUpdate(_ new: AppsV1.Deployment, old: AppsV1.Deployment) -> [FieldError] {
        new.spec?.selector == old.spec?.selector ? [] : [FieldError(.invalid, "spec.selector", value: Labels.Selector.format(new.spec?.selector), "field is immutable")]
    }

    public var scale: ScaleAccess<AppsV1.Deployment>? {
        ScaleAccess(specReplicas: { $0.spec?.replicas ?? 1 },
                    setSpecReplicas: { obj, n in obj.spec?.replicas = n },
                    statusReplicas: { $0.status?.replicas ?? 0 },
                    selector: { Labels.Selector.format($0.spec?.selector) })
    }

    public var tableColumns: [TableColumn] {
        [.name, TableColumn("Ready"), TableColumn("Up-to-date", type: "integer"), TableColumn("Available", type: "integer"), .age,
         TableColumn("Containers", priority: 1), TableColumn("Images", priority: 1), TableColumn("Selector", priority: 1)]
    }

    public func tableCells(_ obj: AppsV1.Deployment, now: Date) -> [JSONValue] {
        let s = obj.status
        let containers = obj.spec?.template?.spec?.containers ?? []
        return [.string(obj.metadata.name ?? ""), .string("\(s?.readyReplicas ?? 0)/\(obj.spec?.replicas ?? 0)"),
                .int(Int64(s?.updatedReplicas ?? 0)), .int(Int64(s?.availableReplicas ?? 0)),
                .string(Age.since(obj.metadata.creationTimestamp, now: now)),
                .string(containers.map { $0.name ?? "" }.joined(separator: ",")),
                .string(containers.map { $0.image ?? "" }.joined(separator: ",")),
                .string(Labels.Selector.format(obj.spec?.selector))]
    }
}
