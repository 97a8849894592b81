import Foundation
import TugAPI

/// IngressClasses: a domain-prefixed controller that never changes, a complete parameters
/// reference, and kubectl's columns.
public struct IngressClassStrategy: ResourceStrategy {
    public typealias Object = NetworkingV1.IngressClass
    public let info: ResourceInfo
    public init(info: ResourceInfo) { self.info = info }

    public var tracksGeneration: Bool { true }

    public func applyDefaults(_ obj: inout NetworkingV1.IngressClass) {
        if var p = obj.spec?.parameters, p.scope == nil {
            p.scope = "Cluster"
            obj.spec?.parameters = p
        }
    }

    public func validate(_ obj: NetworkingV1.IngressClass) -> [FieldError] {
        var errs: [FieldError] = []
        let controller = obj.spec?.controller ?? ""
        if controller.utf8.count > 250 { errs.append(.tooLong("spec.controller", 250)) }
        let parts = controller.split(separator: "/", maxSplits: 1, omittingEmptySubsequences: false)
        if controller.isEmpty {
            errs.append(.required("spec.controller"))
        } else if parts.count != 2 || parts[0].isEmpty || parts[1].isEmpty {
            errs.append(.invalid("spec.controller", controller, "must be a domain-prefixed path (such as \"acme.io/foo\")"))
        } else {
            errs += Validation.isDNS1123Subdomain(String(parts[0])).map { FieldError.invalid("spec.controller", String(parts[0]), $0) }
        }
        if let p = obj.spec?.parameters {
            let pp = "spec.parameters"
            if (p.kind ?? "").isEmpty { errs.append(.required("\(pp).kind")) }
            if (p.name ?? "").isEmpty { errs.append(.required("\(pp).name")) }
            switch p.scope ?? "" {
            case "Cluster":
                if p.namespace != nil { errs.append(.forbidden("\(pp).namespace", "`parameters.scope` is set to 'Cluster'")) }
            case "Namespace":
                if (p.namespace ?? "").isEmpty { errs.append(.required("\(pp).namespace", "`parameters.scope` is set to 'Namespace'")) }
            case let other:
                errs.append(.notSupported("\(pp).scope", other, ["Cluster", "Namespace"]))
            }
        }
        return errs
    }

    public func validateUpdate(_ new: NetworkingV1.IngressClass, old: NetworkingV1.IngressClass) -> [FieldError] {
        GoFormat.immutableString(new.spec?.controller, old.spec?.controller, path: "spec.controller")
    }

    public var tableColumns: [TableColumn] {
        [.name, .string("Controller", "Controller that is responsible for handling this class"),
         .string("Parameters", "A reference to a resource with additional parameters"), .age]
    }

    public func tableCells(_ obj: NetworkingV1.IngressClass, now: Date) -> [JSONValue] {
        var parameters = "<none>"
        if let p = obj.spec?.parameters {
            parameters = p.kind ?? ""
            if let g = p.apiGroup { parameters += "." + g }
            parameters += "/" + (p.name ?? "")
        }
        return [TableFormat.name(obj), .string(obj.spec?.controller ?? ""), .string(parameters), TableFormat.age(obj, now)]
    }
}
