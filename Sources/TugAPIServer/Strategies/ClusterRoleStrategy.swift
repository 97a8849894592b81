import Foundation
import TugAPI

/// ClusterRoles: rules with verbs and targets; names are path segments; PUT may create.
public struct ClusterRoleStrategy: ResourceStrategy {
    public typealias Object = RbacV1.ClusterRole
    public let info: ResourceInfo
    public init(info: ResourceInfo) { self.info = info }

    public var allowCreateOnUpdate: Bool { true }
    public var nameValidator: Validation.NameValidator { RbacValidation.nameIsPathSegment }

    public func validate(_ obj: RbacV1.ClusterRole) -> [FieldError] {
        var errs = RbacValidation.rules(obj.rules ?? [], namespaced: false)
        if let rule = obj.aggregationRule {
            let selectors = rule.clusterRoleSelectors ?? []
            if selectors.isEmpty {
                errs.append(.required("aggregationRule.clusterRoleSelectors", "at least one clusterRoleSelector required if aggregationRule is non-nil"))
            }
            for (i, s) in selectors.enumerated() {
                errs += Validation.validateLabelSelector(s, path: "aggregationRule.clusterRoleSelectors[\(i)]")
            }
        }
        return errs
    }

    public var tableColumns: [TableColumn] { [.name, .createdAt] }

    public func tableCells(_ obj: RbacV1.ClusterRole, now: Date) -> [JSONValue] {
        [TableFormat.name(obj), .string(TableFormat.createdAt(obj.metadata.creationTimestamp))]
    }
}
