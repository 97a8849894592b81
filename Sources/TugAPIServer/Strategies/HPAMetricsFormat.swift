import Foundation
import TugAPI

/// kubectl's TARGETS column for autoscalers (`formatHPAMetrics`): `current/target` per
/// metric (`cpu: 40%/80%`, `<unknown>` before the first measurement), at most two, then
/// `+ N more...`.
enum HPAMetricsFormat {
    static func format(_ specs: [AutoscalingV2.MetricSpec], _ statuses: [AutoscalingV2.MetricStatus]) -> String {
        if specs.isEmpty { return "<none>" }
        var list: [String] = []
        for (i, spec) in specs.enumerated() {
            let status = i < statuses.count ? statuses[i] : nil
            list.append(entry(spec, status))
        }
        let max = 2
        let shown = list.prefix(max).joined(separator: ", ")
        return list.count > max ? "\(shown) + \(list.count - max) more..." : shown
    }

    static func q(_ v: Quantity?) -> String { v?.string ?? "<nil>" }

    static func entry(_ spec: AutoscalingV2.MetricSpec, _ status: AutoscalingV2.MetricStatus?) -> String {
        switch spec.type ?? "" {
        case "External":
            let target = spec.external?.target
            if let avg = target?.averageValue {
                let current = status?.external?.current?.averageValue.map { $0.string } ?? "<unknown>"
                return "\(current)/\(avg.string) (avg)"
            }
            let current = status?.external.map { q($0.current?.value) } ?? "<unknown>"
            return "\(current)/\(q(target?.value))"
        case "Pods":
            let current = status?.pods.map { q($0.current?.averageValue) } ?? "<unknown>"
            return "\(current)/\(q(spec.pods?.target?.averageValue))"
        case "Object":
            let target = spec.object?.target
            if let avg = target?.averageValue {
                let current = status?.object?.current?.averageValue.map { $0.string } ?? "<unknown>"
                return "\(current)/\(avg.string) (avg)"
            }
            let current = status?.object.map { q($0.current?.value) } ?? "<unknown>"
            return "\(current)/\(q(target?.value))"
        case "Resource":
            return resource(name: spec.resource?.name ?? "", target: spec.resource?.target,
                            current: status?.resource?.current, hasStatus: status?.resource != nil)
        case "ContainerResource":
            return resource(name: spec.containerResource?.name ?? "", target: spec.containerResource?.target,
                            current: status?.containerResource?.current, hasStatus: status?.containerResource != nil)
        default:
            return "<unknown type>"
        }
    }

    static func resource(name: String, target: AutoscalingV2.MetricTarget?, current: AutoscalingV2.MetricValueStatus?, hasStatus: Bool) -> String {
        if let avg = target?.averageValue {
            let cur = hasStatus ? q(current?.averageValue) : "<unknown>"
            return "\(name): \(cur)/\(avg.string)"
        }
        let cur = current?.averageUtilization.map { "\($0)%" } ?? "<unknown>"
        let tgt = target?.averageUtilization.map { "\($0)%" } ?? "<auto>"
        return "\(name): \(cur)/\(tgt)"
    }
}
