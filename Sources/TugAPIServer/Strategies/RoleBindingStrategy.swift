import Foundation
import TugAPI

/// RoleBindings: the RBAC group defaulted on the role reference and on User and Group subjects;
/// a valid, unchanging role reference; valid subjects; PUT may create.
public struct RoleBindingStrategy: ResourceStrategy {
    public typealias Object = RbacV1.RoleBinding
    public let info: ResourceInfo
    public init(info: ResourceInfo) { self.info = info }

    public var allowCreateOnUpdate: Bool { true }
    public var nameValidator: Validation.NameValidator { RbacValidation.nameIsPathSegment }

    public func applyDefaults(_ obj: inout RbacV1.RoleBinding) {
        RbacValidation.defaultBinding(roleRef: &obj.roleRef, subjects: &obj.subjects)
    }

    public func validate(_ obj: RbacV1.RoleBinding) -> [FieldError] {
        RbacValidation.binding(roleRef: obj.roleRef, subjects: obj.subjects, kinds: ["Role", "ClusterRole"], namespaced: true)
    }

    public func validateUpdate(_ new: RbacV1.RoleBinding, old: RbacV1.RoleBinding) -> [FieldError] {
        RbacValidation.roleRefUnchanged(new.roleRef, old.roleRef)
    }

    public var tableColumns: [TableColumn] { RbacValidation.bindingColumns }

    public func tableCells(_ obj: RbacV1.RoleBinding, now: Date) -> [JSONValue] {
        RbacValidation.bindingCells(obj, roleRef: obj.roleRef, subjects: obj.subjects, now: now)
    }
}
