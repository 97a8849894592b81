import Foundation
import TugAPI

/// HorizontalPodAutoscalers (autoscaling/v2): minReplicas 1, an 80% CPU target when no
/// metric is given, scaling behavior filled in when present; replica bounds, target
/// reference and metrics validated; kubectl's columns.
public struct HorizontalPodAutoscalerStrategy: ResourceStrategy {
    public typealias Object = AutoscalingV2.HorizontalPodAutoscaler
    public let info: ResourceInfo
    public init(info: ResourceInfo) { self.info = info }

    public var tracksGeneration: Bool { true }

    public func applyDefaults(_ obj: inout AutoscalingV2.HorizontalPodAutoscaler) {
        var spec = obj.spec ?? AutoscalingV2.HorizontalPodAutoscalerSpec()
        if spec.minReplicas == nil { spec.minReplicas = 1 }
        if (spec.metrics ?? []).isEmpty {
            spec.metrics = [AutoscalingV2.MetricSpec(type: "Resource", resource: AutoscalingV2.ResourceMetricSource(
                name: "cpu", target: AutoscalingV2.MetricTarget(type: "Utilization", averageUtilization: 80)))]
        }
        if var behavior = spec.behavior {
            behavior.scaleUp = Self.rules(behavior.scaleUp, window: 0, policies: [
                AutoscalingV2.HPAScalingPolicy(type: "Pods", value: 4, periodSeconds: 15),
                AutoscalingV2.HPAScalingPolicy(type: "Percent", value: 100, periodSeconds: 15),
            ])
            behavior.scaleDown = Self.rules(behavior.scaleDown, window: 300, policies: [
                AutoscalingV2.HPAScalingPolicy(type: "Percent", value: 100, periodSeconds: 15),
            ])
            spec.behavior = behavior
        }
        obj.spec = spec
    }

    static func rules(_ r: AutoscalingV2.HPAScalingRules?, window: Int, policies: [AutoscalingV2.HPAScalingPolicy]) -> AutoscalingV2.HPAScalingRules {
        var r = r ?? AutoscalingV2.HPAScalingRules()
        if r.stabilizationWindowSeconds == nil { r.stabilizationWindowSeconds = window }
        if r.selectPolicy == nil { r.selectPolicy = "Max" }
        if r.policies == nil { r.policies = policies }
        return r
    }

    public func prepareForCreate(_ obj: inout AutoscalingV2.HorizontalPodAutoscaler) {
        obj.status = AutoscalingV2.HorizontalPodAutoscalerStatus(desiredReplicas: 0)
    }

    public func prepareForUpdate(_ new: inout AutoscalingV2.HorizontalPodAutoscaler, old: AutoscalingV2.HorizontalPodAutoscaler) {
        new.status = old.status
    }

    public func prepareForStatusUpdate(_ new: AutoscalingV2.HorizontalPodAutoscaler, old: AutoscalingV2.HorizontalPodAutoscaler) -> AutoscalingV2.HorizontalPodAutoscaler {
        var o = old
        o.status = new.status
        return o
    }

    public func validate(_ obj: AutoscalingV2.HorizontalPodAutoscaler) -> [FieldError] {
        let spec = obj.spec ?? AutoscalingV2.HorizontalPodAutoscalerSpec()
        var errs: [FieldError] = []
        if let min = spec.minReplicas, min < 1 { errs.append(.invalid("spec.minReplicas", min, "must be greater than or equal to 1")) }
        let max = spec.maxReplicas ?? 0
        if max < 1 { errs.append(.invalid("spec.maxReplicas", max, "must be greater than 0")) }
        if let min = spec.minReplicas, max < min { errs.append(.invalid("spec.maxReplicas", max, "must be greater than or equal to `minReplicas`")) }
        let ref = spec.scaleTargetRef ?? AutoscalingV2.CrossVersionObjectReference()
        var refErrs: [FieldError] = []
        for (value, field) in [(ref.kind ?? "", "kind"), (ref.name ?? "", "name")] {
            if value.isEmpty { refErrs.append(.required("spec.scaleTargetRef.\(field)")) }
            else { refErrs += RbacValidation.nameIsPathSegment(value, false).map { FieldError.invalid("spec.scaleTargetRef.\(field)", value, $0) } }
        }
        if !refErrs.isEmpty { return errs + refErrs }
        return errs + metrics(spec.metrics ?? []) + behavior(spec.behavior)
    }

    static let metricTypes = ["ContainerResource", "External", "Object", "Pods", "Resource"]

    func metrics(_ metrics: [AutoscalingV2.MetricSpec]) -> [FieldError] {
        var errs: [FieldError] = []
        for (i, m) in metrics.enumerated() {
            let p = "spec.metrics[\(i)]"
            let type = m.type ?? ""
            if type.isEmpty { errs.append(.required("\(p).type", "must specify a metric source type")) }
            else if !Self.metricTypes.contains(type) { errs.append(.notSupported("\(p).type", type, Self.metricTypes)) }
            let present = [("object", m.object != nil), ("pods", m.pods != nil), ("resource", m.resource != nil),
                           ("containerResource", m.containerResource != nil), ("external", m.external != nil)].filter(\.1).map(\.0)
            let expected = type.prefix(1).lowercased() + type.dropFirst()
            if present.count > 1 || (present.count == 1 && present[0] != expected) {
                errs.append(.forbidden(p, "must populate the given metric source only"))
            } else if present.isEmpty && Self.metricTypes.contains(type) {
                errs.append(.required("\(p).\(expected)", "must populate information for the given metric source"))
            }
            if let r = m.resource {
                if (r.name ?? "").isEmpty { errs.append(.required("\(p).resource.name", "must specify a resource name")) }
                errs += target(r.target, path: "\(p).resource.target")
            }
            if let r = m.containerResource {
                if (r.name ?? "").isEmpty { errs.append(.required("\(p).containerResource.name", "must specify a resource name")) }
                if (r.container ?? "").isEmpty { errs.append(.required("\(p).containerResource.container", "must specify a container")) }
                errs += target(r.target, path: "\(p).containerResource.target")
            }
            if let pods = m.pods {
                if (pods.metric?.name ?? "").isEmpty { errs.append(.required("\(p).pods.metric.name", "must specify a metric name")) }
                errs += target(pods.target, path: "\(p).pods.target")
            }
            if let o = m.object {
                if (o.metric?.name ?? "").isEmpty { errs.append(.required("\(p).object.metric.name", "must specify a metric name")) }
                errs += target(o.target, path: "\(p).object.target")
            }
            if let e = m.external {
                if (e.metric?.name ?? "").isEmpty { errs.append(.required("\(p).external.metric.name", "must specify a metric name")) }
                errs += target(e.target, path: "\(p).external.target")
            }
        }
        return errs
    }

    func target(_ t: AutoscalingV2.MetricTarget?, path: String) -> [FieldError] {
        let t = t ?? AutoscalingV2.MetricTarget()
        var errs: [FieldError] = []
        let types = ["AverageValue", "Utilization", "Value"]
        let type = t.type ?? ""
        if type.isEmpty { errs.append(.required("\(path).type", "must specify a metric target type")) }
        else if !types.contains(type) { errs.append(.notSupported("\(path).type", type, types)) }
        if let v = t.value, v.sign <= 0 { errs.append(.invalid("\(path).value", v.string, "must be positive")) }
        if let v = t.averageValue, v.sign <= 0 { errs.append(.invalid("\(path).averageValue", v.string, "must be positive")) }
        if let u = t.averageUtilization, u <= 0 { errs.append(.invalid("\(path).averageUtilization", u, "must be greater than 0")) }
        if t.value == nil && t.averageValue == nil && t.averageUtilization == nil {
            errs.append(.required(path, "must set either a target raw value, a target average value, or a target utilization"))
        }
        return errs
    }

    func behavior(_ b: AutoscalingV2.HorizontalPodAutoscalerBehavior?) -> [FieldError] {
        guard let b else { return [] }
        var errs: [FieldError] = []
        for (rules, field) in [(b.scaleUp, "scaleUp"), (b.scaleDown, "scaleDown")] {
            guard let rules else { continue }
            let p = "spec.behavior.\(field)"
            if let w = rules.stabilizationWindowSeconds, w < 0 || w > 3600 {
                errs.append(.invalid("\(p).stabilizationWindowSeconds", w, "must be less than or equal to 3600"))
            }
            if let s = rules.selectPolicy, !["Disabled", "Max", "Min"].contains(s) {
                errs.append(.notSupported("\(p).selectPolicy", s, ["Disabled", "Max", "Min"]))
            }
            let policies = rules.policies ?? []
            if policies.isEmpty && rules.selectPolicy != "Disabled" { errs.append(.required("\(p).policies", "must specify at least one Policy")) }
            for (i, policy) in policies.enumerated() {
                let pp = "\(p).policies[\(i)]"
                if policy.type != "Pods" && policy.type != "Percent" { errs.append(.notSupported("\(pp).type", policy.type ?? "", ["Percent", "Pods"])) }
                if (policy.value ?? 0) <= 0 { errs.append(.invalid("\(pp).value", policy.value ?? 0, "must be greater than zero")) }
                let period = policy.periodSeconds ?? 0
                if period <= 0 { errs.append(.invalid("\(pp).periodSeconds", period, "must be greater than zero")) }
                else if period > 1800 { errs.append(.invalid("\(pp).periodSeconds", period, "must be less than or equal to 1800")) }
            }
        }
        return errs
    }

    public var tableColumns: [TableColumn] {
        [.name, .string("Reference", "scaleTargetRef points to the target resource to scale, and is used to the pods for which metrics should be collected, as well as to actually change the replica count."),
         .string("Targets", "metrics contains the specifications for which to use to calculate the desired replica count."),
         .string("MinPods", "minReplicas is the lower limit for the number of replicas to which the autoscaler can scale down."),
         .integer("MaxPods", "maxReplicas is the upper limit for the number of replicas to which the autoscaler can scale up."),
         .integer("Replicas", "currentReplicas is current number of replicas of pods managed by this autoscaler."), .age]
    }

    public func tableCells(_ obj: AutoscalingV2.HorizontalPodAutoscaler, now: Date) -> [JSONValue] {
        let spec = obj.spec
        let ref = "\(spec?.scaleTargetRef?.kind ?? "")/\(spec?.scaleTargetRef?.name ?? "")"
        let minPods = spec?.minReplicas.map(String.init) ?? "<unset>"
        return [TableFormat.name(obj), .string(ref), .string(HPAMetricsFormat.format(spec?.metrics ?? [], obj.status?.currentMetrics ?? [])),
                .string(minPods), TableFormat.int(spec?.maxReplicas), TableFormat.int(obj.status?.currentReplicas), TableFormat.age(obj, now)]
    }
}
