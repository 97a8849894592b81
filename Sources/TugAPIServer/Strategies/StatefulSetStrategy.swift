import Foundation
import TugAPI

/// StatefulSets: apps/v1 defaults (OrderedReady, RollingUpdate partition 0, Retain claims),
/// validation, the fields an update may touch, scale and kubectl's columns.
public struct StatefulSetStrategy: ResourceStrategy {
    public typealias Object = AppsV1.StatefulSet
    public let info: ResourceInfo
    public init(info: ResourceInfo) { self.info = info }

    public var tracksGeneration: Bool { true }

    public func applyDefaults(_ obj: inout AppsV1.StatefulSet) {
        var spec = obj.spec ?? AppsV1.StatefulSetSpec()
        if (spec.podManagementPolicy ?? "").isEmpty { spec.podManagementPolicy = "OrderedReady" }
        var us = spec.updateStrategy ?? AppsV1.StatefulSetUpdateStrategy()
        if (us.type ?? "").isEmpty {
            us.type = "RollingUpdate"
            if us.rollingUpdate == nil { us.rollingUpdate = AppsV1.RollingUpdateStatefulSetStrategy() }
        }
        if us.type == "RollingUpdate", var ru = us.rollingUpdate, ru.partition == nil {
            ru.partition = 0
            us.rollingUpdate = ru
        }
        spec.updateStrategy = us
        var retention = spec.persistentVolumeClaimRetentionPolicy ?? AppsV1.StatefulSetPersistentVolumeClaimRetentionPolicy()
        if (retention.whenDeleted ?? "").isEmpty { retention.whenDeleted = "Retain" }
        if (retention.whenScaled ?? "").isEmpty { retention.whenScaled = "Retain" }
        spec.persistentVolumeClaimRetentionPolicy = retention
        if spec.replicas == nil { spec.replicas = 1 }
        if spec.revisionHistoryLimit == nil { spec.revisionHistoryLimit = 10 }
        PodSpecDefaults.applyTemplate(&spec.template)
        spec.volumeClaimTemplates = spec.volumeClaimTemplates?.map { claim in
            var c = claim
            c.apiVersion = "v1"
            c.kind = "PersistentVolumeClaim"
            PersistentVolumeClaimStrategy.defaultSpec(&c)
            if (c.status?.phase ?? "").isEmpty { c.status = CoreV1.PersistentVolumeClaimStatus(phase: "Pending") }
            return c
        }
        obj.spec = spec
    }

    public func prepareForCreate(_ obj: inout AppsV1.StatefulSet) {
        obj.status = AppsV1.StatefulSetStatus(replicas: 0, availableReplicas: 0)
    }

    public func prepareForUpdate(_ new: inout AppsV1.StatefulSet, old: AppsV1.StatefulSet) { new.status = old.status }

    public func prepareForStatusUpdate(_ new: AppsV1.StatefulSet, old: AppsV1.StatefulSet) -> AppsV1.StatefulSet {
        var o = old
        o.status = new.status
        return o
    }

    public func validate(_ obj: AppsV1.StatefulSet) -> [FieldError] {
        let spec = obj.spec ?? AppsV1.StatefulSetSpec()
        var errs: [FieldError] = []
        switch spec.podManagementPolicy ?? "" {
        case "OrderedReady", "Parallel": break
        case "": errs.append(.required("spec.podManagementPolicy"))
        case let other: errs.append(.invalid("spec.podManagementPolicy", other, "must be 'OrderedReady' or 'Parallel'"))
        }
        let us = spec.updateStrategy ?? AppsV1.StatefulSetUpdateStrategy()
        switch us.type ?? "" {
        case "": errs.append(.required("spec.updateStrategy"))
        case "OnDelete":
            if let ru = us.rollingUpdate {
                errs.append(FieldError(.invalid, "spec.updateStrategy.rollingUpdate", value: GoFormat.json(ru), "only allowed for updateStrategy 'RollingUpdate'"))
            }
        case "RollingUpdate":
            if let ru = us.rollingUpdate {
                errs += WorkloadValidation.nonNegative([(ru.partition, "spec.updateStrategy.rollingUpdate.partition")])
                if let mu = ru.maxUnavailable {
                    errs += Validation.validateIntOrPercent(mu, path: "spec.updateStrategy.rollingUpdate.maxUnavailable")
                    if WorkloadValidation.intOrPercentValue(mu) == 0 {
                        errs.append(FieldError(.invalid, "spec.updateStrategy.rollingUpdate.maxUnavailable", value: GoFormat.json(mu), "must be greater than 0"))
                    }
                }
            }
        default:
            errs.append(FieldError(.invalid, "spec.updateStrategy", value: GoFormat.json(us), "must be 'RollingUpdate' or 'OnDelete'"))
        }
        let retention = spec.persistentVolumeClaimRetentionPolicy
        for (value, field) in [(retention?.whenDeleted, "whenDeleted"), (retention?.whenScaled, "whenScaled")] {
            if let v = value, v != "Retain" && v != "Delete" {
                errs.append(.notSupported("spec.persistentVolumeClaimRetentionPolicy.\(field)", v, ["Retain", "Delete"]))
            }
        }
        errs += WorkloadValidation.nonNegative([(spec.replicas, "spec.replicas"), (spec.minReadySeconds, "spec.minReadySeconds"),
                                                (spec.ordinals?.start, "spec.ordinals.start"),
                                                (spec.revisionHistoryLimit, "spec.revisionHistoryLimit")])
        errs += WorkloadValidation.selector(spec.selector, path: "spec.selector", kind: "statefulset")
        let claims = spec.volumeClaimTemplates ?? []
        var claimNames = Set<String>()
        for (i, claim) in claims.enumerated() {
            let name = claim.metadata.name ?? ""
            claimNames.insert(name)
            let p = "spec.volumeClaimTemplates[\(i)]"
            if name.isEmpty { errs.append(.required("\(p).metadata.name")) }
            else { errs += Validation.isDNS1123Subdomain(name).map { FieldError.invalid("\(p).metadata.name", name, $0) } }
            errs += PersistentVolumeClaimStrategy.validateSpec(claim.spec ?? CoreV1.PersistentVolumeClaimSpec(), path: "\(p).spec")
        }
        if let template = spec.template {
            errs += WorkloadValidation.selectorMatchesTemplate(spec.selector, template: template, path: "spec")
            errs += PodSpecValidation.validateTemplate(template, path: "spec.template", extraVolumes: claimNames)
            let rp = template.spec?.restartPolicy ?? ""
            if rp != "Always" { errs.append(.notSupported("spec.template.spec.restartPolicy", rp, ["Always"])) }
            if template.spec?.activeDeadlineSeconds != nil {
                errs.append(.forbidden("spec.template.spec.activeDeadlineSeconds", "activeDeadlineSeconds in StatefulSet is not Supported"))
            }
        } else {
            errs.append(.required("spec.template"))
        }
        return errs
    }

    /// Only replicas, ordinals, template, updateStrategy, revisionHistoryLimit,
    /// persistentVolumeClaimRetentionPolicy and minReadySeconds may change.
    public func validateUpdate(_ new: AppsV1.StatefulSet, old: AppsV1.StatefulSet) -> [FieldError] {
        var clone = new.spec ?? AppsV1.StatefulSetSpec()
        let oldSpec = old.spec ?? AppsV1.StatefulSetSpec()
        clone.replicas = oldSpec.replicas
        clone.template = oldSpec.template
        clone.updateStrategy = oldSpec.updateStrategy
        clone.minReadySeconds = oldSpec.minReadySeconds
        clone.ordinals = oldSpec.ordinals
        clone.revisionHistoryLimit = oldSpec.revisionHistoryLimit
        clone.persistentVolumeClaimRetentionPolicy = oldSpec.persistentVolumeClaimRetentionPolicy
        if clone == oldSpec { return [] }
        return [.forbidden("spec", "updates to statefulset spec for fields other than 'replicas', 'ordinals', 'template', "
            + "'updateStrategy', 'revisionHistoryLimit', 'persistentVolumeClaimRetentionPolicy' and 'minReadySeconds' are forbidden")]
    }

    public func validateStatusUpdate(_ new: AppsV1.StatefulSet, old: AppsV1.StatefulSet) -> [FieldError] {
        guard let s = new.status else { return [] }
        var errs = WorkloadValidation.replicaCounters(
            replicas: s.replicas,
            [(s.readyReplicas, "readyReplicas"), (s.currentReplicas, "currentReplicas"), (s.updatedReplicas, "updatedReplicas"),
             (s.availableReplicas, "availableReplicas")],
            path: "status")
        errs += WorkloadValidation.nonNegative([(s.observedGeneration, "status.observedGeneration"), (s.collisionCount, "status.collisionCount")])
        if (s.availableReplicas ?? 0) > (s.readyReplicas ?? 0) {
            errs.append(.invalid("status.availableReplicas", s.availableReplicas ?? 0, "cannot be greater than status.readyReplicas"))
        }
        return errs
    }

    public var scale: ScaleAccess<AppsV1.StatefulSet>? {
        ScaleAccess(specReplicas: { $0.spec?.replicas ?? 1 },
                    setSpecReplicas: { obj, n in
                        if obj.spec == nil { obj.spec = AppsV1.StatefulSetSpec() }
                        obj.spec?.replicas = n
                    },
                    statusReplicas: { $0.status?.replicas ?? 0 },
                    selector: { TableFormat.selectorString($0.spec?.selector) })
    }

    public var tableColumns: [TableColumn] {
        [.name, .string("Ready", "Number of the pod with ready state"), .age, .containers, .images]
    }

    public func tableCells(_ obj: AppsV1.StatefulSet, now: Date) -> [JSONValue] {
        [TableFormat.name(obj), .string("\(obj.status?.readyReplicas ?? 0)/\(obj.spec?.replicas ?? 0)"), TableFormat.age(obj, now)]
            + TableFormat.containers(obj.spec?.template?.spec)
    }
}
