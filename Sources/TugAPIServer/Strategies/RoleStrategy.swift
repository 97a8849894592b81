import Foundation
import TugAPI

/// Roles: rules with verbs and targets; names are path segments; PUT may create.
public struct RoleStrategy: ResourceStrategy {
    public typealias Object = RbacV1.Role
    public let info: ResourceInfo
    public init(info: ResourceInfo) { self.info = info }

    public var allowCreateOnUpdate: Bool { true }
    public var nameValidator: Validation.NameValidator { RbacValidation.nameIsPathSegment }

    public func validate(_ obj: RbacV1.Role) -> [FieldError] {
        RbacValidation.rules(obj.rules ?? [], namespaced: true)
    }

    public var tableColumns: [TableColumn] { [.name, .createdAt] }

    public func tableCells(_ obj: RbacV1.Role, now: Date) -> [JSONValue] {
        [TableFormat.name(obj), .string(TableFormat.createdAt(obj.metadata.creationTimestamp))]
    }
}
