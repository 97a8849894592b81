import Foundation
import TugAPI

/// ReplicationControllers: selector and labels default to the template's labels, replicas to
/// 1; a map selector that must match the template; the scale subresource.
public struct ReplicationControllerStrategy: ResourceStrategy {
    public typealias Object = CoreV1.ReplicationController
    public let info: ResourceInfo
    public init(info: ResourceInfo) { self.info = info }

    public var tracksGeneration: Bool { true }

    public func applyDefaults(_ obj: inout CoreV1.ReplicationController) {
        var spec = obj.spec ?? CoreV1.ReplicationControllerSpec()
        if let labels = spec.template?.metadata.labels {
            if (spec.selector ?? [:]).isEmpty { spec.selector = labels }
            if (obj.metadata.labels ?? [:]).isEmpty { obj.metadata.labels = labels }
        }
        if spec.replicas == nil { spec.replicas = 1 }
        PodSpecDefaults.applyTemplate(&spec.template)
        obj.spec = spec
    }

    public func prepareForCreate(_ obj: inout CoreV1.ReplicationController) {
        obj.status = CoreV1.ReplicationControllerStatus(replicas: 0)
    }

    public func prepareForUpdate(_ new: inout CoreV1.ReplicationController, old: CoreV1.ReplicationController) { new.status = old.status }

    public func prepareForStatusUpdate(_ new: CoreV1.ReplicationController, old: CoreV1.ReplicationController) -> CoreV1.ReplicationController {
        var o = old
        o.status = new.status
        return o
    }

    public func validate(_ obj: CoreV1.ReplicationController) -> [FieldError] {
        let spec = obj.spec ?? CoreV1.ReplicationControllerSpec()
        var errs = WorkloadValidation.nonNegative([(spec.minReadySeconds, "spec.minReadySeconds"), (spec.replicas, "spec.replicas")])
        let selector = spec.selector ?? [:]
        if selector.isEmpty { errs.append(.required("spec.selector")) }
        else { errs += Validation.validateLabels(selector, path: "spec.selector") }
        guard let template = spec.template else {
            errs.append(.required("spec.template"))
            return errs
        }
        let labels = template.metadata.labels ?? [:]
        if !selector.isEmpty && !selector.allSatisfy({ labels[$0.key] == $0.value }) {
            errs.append(FieldError(.invalid, "spec.template.metadata.labels", value: GoFormat.stringMap(template.metadata.labels),
                                   WorkloadValidation.selectorMismatch))
        }
        errs += PodSpecValidation.validateTemplate(template, path: "spec.template")
        errs += WorkloadValidation.alwaysRestart(template, path: "spec.template.spec", kind: "ReplicationController")
        return errs
    }

    public func validateStatusUpdate(_ new: CoreV1.ReplicationController, old: CoreV1.ReplicationController) -> [FieldError] {
        guard let s = new.status else { return [] }
        return WorkloadValidation.replicaSetStatus(replicas: s.replicas, fullyLabeled: s.fullyLabeledReplicas, ready: s.readyReplicas,
                                                   available: s.availableReplicas, observedGeneration: s.observedGeneration)
    }

    public var selectableFieldNames: [String] { ["status.replicas"] }
    public func selectableFields(_ obj: CoreV1.ReplicationController) -> [String: String] {
        ["status.replicas": String(obj.status?.replicas ?? 0)]
    }

    public var scale: ScaleAccess<CoreV1.ReplicationController>? {
        ScaleAccess(specReplicas: { $0.spec?.replicas ?? 1 },
                    setSpecReplicas: { obj, n in
                        if obj.spec == nil { obj.spec = CoreV1.ReplicationControllerSpec() }
                        obj.spec?.replicas = n
                    },
                    statusReplicas: { $0.status?.replicas ?? 0 },
                    selector: { obj in
                        let s = obj.spec?.selector ?? [:]
                        return GoFormat.sortedKeys(s).map { "\($0)=\(s[$0]!)" }.joined(separator: ",")
                    })
    }

    public var tableColumns: [TableColumn] {
        [.name, .integer("Desired", "Number of desired pods."), .integer("Current", "Number of actual replicas."),
         .integer("Ready", "The number of ready replicas for this replication controller."), .age, .containers, .images, .selector]
    }

    public func tableCells(_ obj: CoreV1.ReplicationController, now: Date) -> [JSONValue] {
        [TableFormat.name(obj), TableFormat.int(obj.spec?.replicas), TableFormat.int(obj.status?.replicas),
         TableFormat.int(obj.status?.readyReplicas), TableFormat.age(obj, now)]
            + TableFormat.containers(obj.spec?.template?.spec) + [.string(TableFormat.labels(obj.spec?.selector))]
    }
}
