import Foundation
import TugAPI

/// LimitRanges: container items get default limits from max and default requests from
/// limits or min; min ≤ default request ≤ default ≤ max; PUT may create.
public struct LimitRangeStrategy: ResourceStrategy {
    public typealias Object = CoreV1.LimitRange
    public let info: ResourceInfo
    public init(info: ResourceInfo) { self.info = info }

    public var allowCreateOnUpdate: Bool { true }

    public func applyDefaults(_ obj: inout CoreV1.LimitRange) {
        guard var spec = obj.spec else { return }
        spec.limits = spec.limits?.map { item in
            guard item.type == "Container" else { return item }
            var item = item
            var defaults = item.default ?? [:]
            var defaultRequests = item.defaultRequest ?? [:]
            for (k, v) in item.max ?? [:] where defaults[k] == nil { defaults[k] = v }
            for (k, v) in defaults where defaultRequests[k] == nil { defaultRequests[k] = v }
            for (k, v) in item.min ?? [:] where defaultRequests[k] == nil { defaultRequests[k] = v }
            item.default = defaults.isEmpty ? item.default : defaults
            item.defaultRequest = defaultRequests.isEmpty ? item.defaultRequest : defaultRequests
            return item
        }
        obj.spec = spec
    }

    public func validate(_ obj: CoreV1.LimitRange) -> [FieldError] {
        var errs: [FieldError] = []
        var types = Set<String>()
        for (i, item) in (obj.spec?.limits ?? []).enumerated() {
            let p = "spec.limits[\(i)]"
            let type = item.type ?? ""
            errs += Validation.isQualifiedName(type).map { FieldError.invalid("\(p).type", type, $0) }
            if !types.insert(type).inserted { errs.append(.duplicate("\(p).type", type)) }
            if type == "Pod" {
                if !(item.default ?? [:]).isEmpty { errs.append(.forbidden("\(p).default", "may not be specified when `type` is 'Pod'")) }
                if !(item.defaultRequest ?? [:]).isEmpty { errs.append(.forbidden("\(p).defaultRequest", "may not be specified when `type` is 'Pod'")) }
            }
            if type == "PersistentVolumeClaim" && item.min?["storage"] == nil && item.max?["storage"] == nil {
                errs.append(.required("\(p).limits", "either minimum or maximum storage value is required, but neither was provided"))
            }
            let sections: [(String, [String: Quantity]?)] = [("max", item.max), ("min", item.min), ("default", item.default),
                                                             ("defaultRequest", item.defaultRequest),
                                                             ("maxLimitRequestRatio", item.maxLimitRequestRatio)]
            for (field, list) in sections {
                for (name, q) in list ?? [:] where q.sign < 0 {
                    errs.append(.invalid("\(p).\(field)[\(name)]", q.string, Validation.isNegativeErrorMessage))
                }
            }
            errs += bounds(item, path: p)
        }
        return errs
    }

    func bounds(_ item: CoreV1.LimitRangeItem, path p: String) -> [FieldError] {
        var errs: [FieldError] = []
        let keys = Set((item.max ?? [:]).keys).union((item.min ?? [:]).keys).union((item.default ?? [:]).keys)
            .union((item.defaultRequest ?? [:]).keys).union((item.maxLimitRequestRatio ?? [:]).keys)
        for k in keys.sorted(by: GoFormat.less) {
            let min = item.min?[k], max = item.max?[k], def = item.default?[k], req = item.defaultRequest?[k]
            if let min, let max, min > max {
                errs.append(.invalid("\(p).min[\(k)]", min.string, "min value \(min.string) is greater than max value \(max.string)"))
            }
            if let req, let min, min > req {
                errs.append(.invalid("\(p).defaultRequest[\(k)]", req.string, "min value \(min.string) is greater than default request value \(req.string)"))
            }
            if let req, let max, req > max {
                errs.append(.invalid("\(p).defaultRequest[\(k)]", req.string, "default request value \(req.string) is greater than max value \(max.string)"))
            }
            if let req, let def, req > def {
                errs.append(.invalid("\(p).defaultRequest[\(k)]", req.string, "default request value \(req.string) is greater than default limit value \(def.string)"))
            }
            if let def, let min, min > def {
                errs.append(.invalid("\(p).default[\(k)]", min.string, "min value \(min.string) is greater than default value \(def.string)"))
            }
            if let def, let max, def > max {
                errs.append(.invalid("\(p).default[\(k)]", max.string, "default value \(def.string) is greater than max value \(max.string)"))
            }
            if let ratio = item.maxLimitRequestRatio?[k], ratio < Quantity(value: 1) {
                errs.append(.invalid("\(p).maxLimitRequestRatio[\(k)]", ratio.string, "ratio \(ratio.string) is less than 1"))
            }
        }
        return errs
    }

    public var tableColumns: [TableColumn] { [.name, .createdAt] }

    public func tableCells(_ obj: CoreV1.LimitRange, now: Date) -> [JSONValue] {
        [TableFormat.name(obj), .string(TableFormat.createdAt(obj.metadata.creationTimestamp))]
    }
}
