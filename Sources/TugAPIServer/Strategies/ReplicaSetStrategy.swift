import Foundation
import TugAPI

/// ReplicaSets: replicas default 1, selector/template validation, an immutable selector,
/// the scale subresource and kubectl's columns.
public struct ReplicaSetStrategy: ResourceStrategy {
    public typealias Object = AppsV1.ReplicaSet
    public let info: ResourceInfo
    public init(info: ResourceInfo) { self.info = info }

    public var tracksGeneration: Bool { true }

    public func applyDefaults(_ obj: inout AppsV1.ReplicaSet) {
        var spec = obj.spec ?? AppsV1.ReplicaSetSpec()
        if spec.replicas == nil { spec.replicas = 1 }
        PodSpecDefaults.applyTemplate(&spec.template)
        obj.spec = spec
    }

    public func prepareForCreate(_ obj: inout AppsV1.ReplicaSet) { obj.status = AppsV1.ReplicaSetStatus(replicas: 0) }

    public func prepareForUpdate(_ new: inout AppsV1.ReplicaSet, old: AppsV1.ReplicaSet) { new.status = old.status }

    public func prepareForStatusUpdate(_ new: AppsV1.ReplicaSet, old: AppsV1.ReplicaSet) -> AppsV1.ReplicaSet {
        var o = old
        o.status = new.status
        return o
    }

    public func validate(_ obj: AppsV1.ReplicaSet) -> [FieldError] {
        let spec = obj.spec ?? AppsV1.ReplicaSetSpec()
        var errs = WorkloadValidation.nonNegative([(spec.replicas, "spec.replicas"), (spec.minReadySeconds, "spec.minReadySeconds")])
        // Kubernetes says "deployment" here too.
        errs += WorkloadValidation.selector(spec.selector, path: "spec.selector", kind: "deployment")
        errs += WorkloadValidation.replicaSetTemplate(selector: spec.selector, template: spec.template, path: "spec", kind: "ReplicaSet")
        return errs
    }

    public func validateUpdate(_ new: AppsV1.ReplicaSet, old: AppsV1.ReplicaSet) -> [FieldError] {
        WorkloadValidation.immutableSelector(new.spec?.selector, old.spec?.selector, path: "spec.selector")
    }

    public func validateStatusUpdate(_ new: AppsV1.ReplicaSet, old: AppsV1.ReplicaSet) -> [FieldError] {
        guard let s = new.status else { return [] }
        return WorkloadValidation.replicaSetStatus(replicas: s.replicas, fullyLabeled: s.fullyLabeledReplicas, ready: s.readyReplicas,
                                                   available: s.availableReplicas, observedGeneration: s.observedGeneration)
    }

    public var selectableFieldNames: [String] { ["status.replicas"] }
    public func selectableFields(_ obj: AppsV1.ReplicaSet) -> [String: String] { ["status.replicas": String(obj.status?.replicas ?? 0)] }

    public var scale: ScaleAccess<AppsV1.ReplicaSet>? {
        ScaleAccess(specReplicas: { $0.spec?.replicas ?? 1 },
                    setSpecReplicas: { obj, n in
                        if obj.spec == nil { obj.spec = AppsV1.ReplicaSetSpec() }
                        obj.spec?.replicas = n
                    },
                    statusReplicas: { $0.status?.replicas ?? 0 },
                    selector: { TableFormat.selectorString($0.spec?.selector) })
    }

    public var tableColumns: [TableColumn] {
        [.name, .integer("Desired", "Number of desired pods."), .integer("Current", "Number of actual replicas."),
         .integer("Ready", "The number of ready replicas for this replica set."), .age, .containers, .images, .selector]
    }

    public func tableCells(_ obj: AppsV1.ReplicaSet, now: Date) -> [JSONValue] {
        [TableFormat.name(obj), TableFormat.int(obj.spec?.replicas), TableFormat.int(obj.status?.replicas),
         TableFormat.int(obj.status?.readyReplicas), TableFormat.age(obj, now)]
            + TableFormat.containers(obj.spec?.template?.spec) + [.string(TableFormat.labelSelector(obj.spec?.selector))]
    }
}
