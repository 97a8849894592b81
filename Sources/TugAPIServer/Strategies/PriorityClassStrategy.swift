import Foundation
import TugAPI

/// PriorityClasses: preemption PreemptLowerPriority by default; `system-` names reserved
/// for the two built-in classes; user values at most one billion; value and policy fixed.
public struct PriorityClassStrategy: ResourceStrategy {
    public typealias Object = SchedulingV1.PriorityClass
    public let info: ResourceInfo
    public init(info: ResourceInfo) { self.info = info }

    static let highestUserDefinable = 1_000_000_000
    static let systemClasses: [String: (value: Int, globalDefault: Bool)] = [
        "system-node-critical": (2_000_001_000, false), "system-cluster-critical": (2_000_000_000, false),
    ]

    public func applyDefaults(_ obj: inout SchedulingV1.PriorityClass) {
        if obj.preemptionPolicy == nil { obj.preemptionPolicy = "PreemptLowerPriority" }
    }

    public func validate(_ obj: SchedulingV1.PriorityClass) -> [FieldError] {
        var errs: [FieldError] = []
        let name = obj.metadata.name ?? ""
        let value = obj.value ?? 0
        if name.hasPrefix("system-") {
            var problem: String?
            if let known = Self.systemClasses[name] {
                if known.value != value { problem = "value of \(name) PriorityClass must be \(known.value)" }
                else if known.globalDefault != (obj.globalDefault ?? false) { problem = "globalDefault of \(name) PriorityClass must be \(known.globalDefault)" }
            } else {
                problem = "\(name) is not a known system priority class"
            }
            if let problem {
                errs.append(.forbidden("metadata.name", "priority class names with 'system-' prefix are reserved for system use only. error: \(problem)"))
            }
        } else if value > Self.highestUserDefinable {
            errs.append(.forbidden("value", "maximum allowed value of a user defined priority is \(Self.highestUserDefinable)"))
        }
        if let p = obj.preemptionPolicy, p != "PreemptLowerPriority" && p != "Never" {
            errs.append(.notSupported("preemptionPolicy", p, ["Never", "PreemptLowerPriority"]))
        }
        return errs
    }

    public func validateUpdate(_ new: SchedulingV1.PriorityClass, old: SchedulingV1.PriorityClass) -> [FieldError] {
        var errs: [FieldError] = []
        if (new.value ?? 0) != (old.value ?? 0) { errs.append(.forbidden("value", "may not be changed in an update.")) }
        errs += GoFormat.immutableString(new.preemptionPolicy, old.preemptionPolicy, path: "preemptionPolicy")
        return errs
    }

    public var tableColumns: [TableColumn] {
        [.name, .integer("Value", "value represents the integer value of this priority class."),
         TableColumn("Global-Default", type: "boolean", description: "globalDefault specifies whether this PriorityClass should be considered as the default priority for pods that do not have any priority class."),
         .age, .string("PreemptionPolicy", "preemptionPolicy is the Policy for preempting pods with lower priority.")]
    }

    public func tableCells(_ obj: SchedulingV1.PriorityClass, now: Date) -> [JSONValue] {
        [TableFormat.name(obj), TableFormat.int(obj.value), .bool(obj.globalDefault ?? false), TableFormat.age(obj, now),
         .string(obj.preemptionPolicy ?? "")]
    }
}
