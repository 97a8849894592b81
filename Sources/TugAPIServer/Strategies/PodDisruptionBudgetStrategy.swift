import Foundation
import TugAPI

/// PodDisruptionBudgets: minAvailable or maxUnavailable (not both), a valid selector and
/// eviction policy, status through `status`, and kubectl's columns.
public struct PodDisruptionBudgetStrategy: ResourceStrategy {
    public typealias Object = PolicyV1.PodDisruptionBudget
    public let info: ResourceInfo
    public init(info: ResourceInfo) { self.info = info }

    public var tracksGeneration: Bool { true }

    public func prepareForCreate(_ obj: inout PolicyV1.PodDisruptionBudget) {
        obj.status = PolicyV1.PodDisruptionBudgetStatus(disruptionsAllowed: 0, currentHealthy: 0, desiredHealthy: 0, expectedPods: 0)
    }

    public func prepareForUpdate(_ new: inout PolicyV1.PodDisruptionBudget, old: PolicyV1.PodDisruptionBudget) { new.status = old.status }

    public func prepareForStatusUpdate(_ new: PolicyV1.PodDisruptionBudget, old: PolicyV1.PodDisruptionBudget) -> PolicyV1.PodDisruptionBudget {
        var o = old
        o.status = new.status
        return o
    }

    public func validate(_ obj: PolicyV1.PodDisruptionBudget) -> [FieldError] {
        let spec = obj.spec ?? PolicyV1.PodDisruptionBudgetSpec()
        var errs: [FieldError] = []
        if spec.minAvailable != nil && spec.maxUnavailable != nil {
            errs.append(FieldError(.invalid, "spec", value: GoFormat.json(spec), "minAvailable and maxUnavailable cannot be both set"))
        }
        for (value, field) in [(spec.minAvailable, "minAvailable"), (spec.maxUnavailable, "maxUnavailable")] {
            guard let value else { continue }
            errs += Validation.validateIntOrPercent(value, path: "spec.\(field)")
            errs += Validation.validateNotMoreThan100Percent(value, path: "spec.\(field)")
        }
        errs += Validation.validateLabelSelector(spec.selector, path: "spec.selector")
        if let policy = spec.unhealthyPodEvictionPolicy, policy != "AlwaysAllow" && policy != "IfHealthyBudget" {
            errs.append(.notSupported("spec.unhealthyPodEvictionPolicy", policy, ["AlwaysAllow", "IfHealthyBudget"]))
        }
        return errs
    }

    public func validateStatusUpdate(_ new: PolicyV1.PodDisruptionBudget, old: PolicyV1.PodDisruptionBudget) -> [FieldError] {
        guard let s = new.status else { return [] }
        return WorkloadValidation.nonNegative([(s.disruptionsAllowed, "status.disruptionsAllowed"), (s.currentHealthy, "status.currentHealthy"),
                                               (s.desiredHealthy, "status.desiredHealthy"), (s.expectedPods, "status.expectedPods")])
    }

    public var tableColumns: [TableColumn] {
        [.name, .string("Min Available", "The minimum number of pods that must be available."),
         .string("Max Unavailable", "The maximum number of pods that may be unavailable."),
         .integer("Allowed Disruptions", "Calculated number of pods that may be disrupted at this time."), .age]
    }

    public func tableCells(_ obj: PolicyV1.PodDisruptionBudget, now: Date) -> [JSONValue] {
        func text(_ v: IntOrString?) -> String {
            switch v {
            case .int(let i): return String(i)
            case .string(let s): return s
            case nil: return "N/A"
            }
        }
        return [TableFormat.name(obj), .string(text(obj.spec?.minAvailable)), .string(text(obj.spec?.maxUnavailable)),
                TableFormat.int(obj.status?.disruptionsAllowed), TableFormat.age(obj, now)]
    }
}
