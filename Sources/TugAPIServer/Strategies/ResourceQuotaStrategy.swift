import Foundation
import TugAPI

/// ResourceQuotas: quota resource names and amounts, supported and compatible scopes, status
/// set only through `status`, and kubectl's request/limit summary.
public struct ResourceQuotaStrategy: ResourceStrategy {
    public typealias Object = CoreV1.ResourceQuota
    public let info: ResourceInfo
    public init(info: ResourceInfo) { self.info = info }

    static let standardResources: Set<String> = [
        "pods", "services", "replicationcontrollers", "resourcequotas", "secrets", "configmaps", "persistentvolumeclaims",
        "services.nodeports", "services.loadbalancers", "cpu", "memory", "ephemeral-storage", "storage",
        "requests.cpu", "requests.memory", "requests.storage", "requests.ephemeral-storage",
        "limits.cpu", "limits.memory", "limits.ephemeral-storage",
    ]
    static let integerResources: Set<String> = [
        "pods", "services", "replicationcontrollers", "resourcequotas", "secrets", "configmaps", "persistentvolumeclaims",
        "services.nodeports", "services.loadbalancers",
    ]
    static let scopes: Set<String> = ["Terminating", "NotTerminating", "BestEffort", "NotBestEffort", "PriorityClass",
                                      "CrossNamespacePodAffinity", "VolumeAttributesClass"]

    public func prepareForCreate(_ obj: inout CoreV1.ResourceQuota) { obj.status = CoreV1.ResourceQuotaStatus() }

    public func prepareForUpdate(_ new: inout CoreV1.ResourceQuota, old: CoreV1.ResourceQuota) { new.status = old.status }

    public func prepareForStatusUpdate(_ new: CoreV1.ResourceQuota, old: CoreV1.ResourceQuota) -> CoreV1.ResourceQuota {
        var o = old
        o.status = new.status
        return o
    }

    public func validate(_ obj: CoreV1.ResourceQuota) -> [FieldError] {
        let spec = obj.spec ?? CoreV1.ResourceQuotaSpec()
        var errs = Self.quantities(spec.hard, path: "spec.hard")
        let scopes = spec.scopes ?? []
        let value = GoFormat.stringSlice(scopes)
        for scope in scopes where !Self.scopes.contains(scope) {
            errs.append(FieldError(.invalid, "spec.scopes", value: value, "unsupported scope"))
        }
        let set = Set(scopes)
        if set.isSuperset(of: ["BestEffort", "NotBestEffort"]) || set.isSuperset(of: ["Terminating", "NotTerminating"]) {
            errs.append(FieldError(.invalid, "spec.scopes", value: value, "conflicting scopes"))
        }
        for (i, req) in (spec.scopeSelector?.matchExpressions ?? []).enumerated() {
            let p = "spec.scopeSelector.matchExpressions[\(i)]"
            let scope = req.scopeName ?? ""
            if !Self.scopes.contains(scope) { errs.append(.invalid("\(p).scopeName", scope, "unsupported scope")) }
            let values = req.values ?? []
            switch req.operator ?? "" {
            case "In", "NotIn":
                if values.isEmpty { errs.append(.required("\(p).values", "must be at least one value when `operator` is 'In' or 'NotIn' for scope selector")) }
            case "Exists", "DoesNotExist":
                if !values.isEmpty { errs.append(FieldError(.invalid, "\(p).values", value: GoFormat.stringSlice(values), "must be no value when `operator` is 'Exist' or 'DoesNotExist' for scope selector")) }
            case let other:
                errs.append(.invalid("\(p).operator", other, "not a valid selector operator"))
            }
        }
        return errs
    }

    static func quantities(_ list: [String: Quantity]?, path: String) -> [FieldError] {
        var errs: [FieldError] = []
        for name in GoFormat.sortedKeys(list ?? [:]) {
            let q = list![name]!
            let p = "\(path)[\(name)]"
            let problems = Validation.isQualifiedName(name)
            errs += problems.map { FieldError.invalid(p, name, $0) }
            if problems.isEmpty && !name.contains("/") && !standardResources.contains(name)
                && !name.hasPrefix("hugepages-") && !name.hasPrefix("requests.hugepages-") {
                errs.append(.invalid(p, name, "must be a standard resource for quota"))
            }
            if q.sign < 0 { errs.append(.invalid(p, q.string, Validation.isNegativeErrorMessage)) }
            if (integerResources.contains(name) || name.hasPrefix("count/")) && q.milliValue % 1000 != 0 {
                errs.append(.invalid(p, q.string, "must be an integer"))
            }
        }
        return errs
    }

    public func validateStatusUpdate(_ new: CoreV1.ResourceQuota, old: CoreV1.ResourceQuota) -> [FieldError] {
        Self.quantities(new.status?.hard, path: "status.hard") + Self.quantities(new.status?.used, path: "status.used")
    }

    public var tableColumns: [TableColumn] {
        [.name, .age, .string("Request", "Request represents a minimum amount of cpu/memory that a container may consume."),
         .string("Limit", "Limits control the maximum amount of cpu/memory that a container may use independent of contention on the node.")]
    }

    public func tableCells(_ obj: CoreV1.ResourceQuota, now: Date) -> [JSONValue] {
        let hard = obj.status?.hard ?? [:]
        let used = obj.status?.used ?? [:]
        var requests: [String] = []
        var limits: [String] = []
        for name in hard.keys.sorted(by: GoFormat.less) {
            let entry = "\(name): \((used[name] ?? .zero).string)/\(hard[name]!.string)"
            if name.split(separator: ".").first == "limits" && name.contains(".") { limits.append(entry) } else { requests.append(entry) }
        }
        return [TableFormat.name(obj), TableFormat.age(obj, now), .string(requests.joined(separator: ", ")), .string(limits.joined(separator: ", "))]
    }
}
