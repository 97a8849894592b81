import Foundation
import TugAPI

/// `autoscaling/v1` HorizontalPodAutoscalers over `autoscaling/v2` storage. v1 has only a CPU
/// utilization target; like Kubernetes, what v1 cannot express (other metrics, behavior,
/// conditions) travels in `autoscaling.alpha.kubernetes.io/*` annotations so that a v1 client's
/// update does not lose it.
struct HorizontalPodAutoscalerConversion: ResourceConversion {
    static let metricsAnnotation = "autoscaling.alpha.kubernetes.io/metrics"
    static let currentMetricsAnnotation = "autoscaling.alpha.kubernetes.io/current-metrics"
    static let conditionsAnnotation = "autoscaling.alpha.kubernetes.io/conditions"
    static let behaviorAnnotation = "autoscaling.alpha.kubernetes.io/behavior"

    static func isCPUUtilization(_ metric: JSONValue, key: String) -> Bool {
        metric["type"] == "Resource" && metric["resource"]?["name"] == "cpu" && metric["resource"]?[key]?["averageUtilization"] != nil
            && (key != "target" || metric["resource"]?["target"]?["type"] == "Utilization")
    }

    func toServed(_ stored: JSONValue) throws -> JSONValue {
        guard var o = stored.objectValue else { return stored }
        if o["apiVersion"] != nil { o["apiVersion"] = "autoscaling/v1" }
        var annotations = o["metadata"]?["annotations"]?.objectValue ?? [:]
        if var spec = o["spec"]?.objectValue {
            let metrics = spec.removeValue(forKey: "metrics")?.arrayValue ?? []
            let cpu = metrics.first { Self.isCPUUtilization($0, key: "target") }
            if let cpu { spec["targetCPUUtilizationPercentage"] = cpu["resource"]?["target"]?["averageUtilization"] }
            let others = metrics.filter { cpu == nil || $0 != cpu! }
            if !others.isEmpty { annotations[Self.metricsAnnotation] = .string(String(decoding: JSONWriter.write(.array(others)), as: UTF8.self)) }
            if let behavior = spec.removeValue(forKey: "behavior") {
                annotations[Self.behaviorAnnotation] = .string(String(decoding: JSONWriter.write(behavior), as: UTF8.self))
            }
            o["spec"] = .object(spec)
        }
        if var status = o["status"]?.objectValue {
            // v1 always carries both counts (they are not omitempty there).
            if status["currentReplicas"] == nil { status["currentReplicas"] = 0 }
            if status["desiredReplicas"] == nil { status["desiredReplicas"] = 0 }
            let current = status.removeValue(forKey: "currentMetrics")?.arrayValue ?? []
            let cpu = current.first { Self.isCPUUtilization($0, key: "current") }
            if let cpu { status["currentCPUUtilizationPercentage"] = cpu["resource"]?["current"]?["averageUtilization"] }
            let others = current.filter { cpu == nil || $0 != cpu! }
            if !others.isEmpty { annotations[Self.currentMetricsAnnotation] = .string(String(decoding: JSONWriter.write(.array(others)), as: UTF8.self)) }
            if let conditions = status.removeValue(forKey: "conditions"), conditions.arrayValue?.isEmpty == false {
                annotations[Self.conditionsAnnotation] = .string(String(decoding: JSONWriter.write(conditions), as: UTF8.self))
            }
            o["status"] = .object(status)
        }
        if !annotations.isEmpty { o["metadata"]?["annotations"] = .object(annotations) }
        return .object(o)
    }

    func toStorage(_ served: JSONValue) throws -> JSONValue {
        guard var o = served.objectValue else { return served }
        if o["apiVersion"] != nil { o["apiVersion"] = "autoscaling/v2" }
        var annotations = o["metadata"]?["annotations"]?.objectValue ?? [:]
        func take(_ key: String) throws -> JSONValue? {
            guard let text = annotations.removeValue(forKey: key)?.stringValue else { return nil }
            do {
                return try JSONValue(parsing: Array(text.utf8))
            } catch {
                throw APIError.invalid(kind: "HorizontalPodAutoscaler", group: "autoscaling", name: o["metadata"]?["name"]?.stringValue ?? "",
                                       [.invalid("metadata.annotations[\(key)]", text, "must be valid JSON")])
            }
        }
        if var spec = o["spec"]?.objectValue {
            var metrics = try take(Self.metricsAnnotation)?.arrayValue ?? []
            if let target = spec.removeValue(forKey: "targetCPUUtilizationPercentage"), !target.isNull {
                metrics.insert(["type": "Resource", "resource": ["name": "cpu", "target": ["type": "Utilization", "averageUtilization": target]]], at: 0)
            }
            if !metrics.isEmpty { spec["metrics"] = .array(metrics) }
            if let behavior = try take(Self.behaviorAnnotation) { spec["behavior"] = behavior }
            o["spec"] = .object(spec)
        } else {
            _ = try take(Self.metricsAnnotation)
            _ = try take(Self.behaviorAnnotation)
        }
        var status = o["status"]?.objectValue
        var current = try take(Self.currentMetricsAnnotation)?.arrayValue ?? []
        let conditions = try take(Self.conditionsAnnotation)
        if let cpu = status?.removeValue(forKey: "currentCPUUtilizationPercentage"), !cpu.isNull {
            current.insert(["type": "Resource", "resource": ["name": "cpu", "current": ["averageUtilization": cpu]]], at: 0)
        }
        if !current.isEmpty || conditions != nil {
            var s = status ?? [:]
            if !current.isEmpty { s["currentMetrics"] = .array(current) }
            if let conditions { s["conditions"] = conditions }
            status = s
        }
        if let status { o["status"] = .object(status) }
        if o["metadata"]?["annotations"] != nil {
            o["metadata"]?["annotations"] = annotations.isEmpty ? nil : .object(annotations)
        }
        return .object(o)
    }
}
