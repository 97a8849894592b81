import Foundation
import TugAPI

/// ClusterRoleBindings: the RBAC group defaulted on the role reference and on User and Group subjects;
/// a valid, unchanging role reference; valid subjects; PUT may create.
public struct ClusterRoleBindingStrategy: ResourceStrategy {
    public typealias Object = RbacV1.ClusterRoleBinding
    public let info: ResourceInfo
    public init(info: ResourceInfo) { self.info = info }

    public var allowCreateOnUpdate: Bool { true }
    public var nameValidator: Validation.NameValidator { RbacValidation.nameIsPathSegment }

    public func applyDefaults(_ obj: inout RbacV1.ClusterRoleBinding) {
        RbacValidation.defaultBinding(roleRef: &obj.roleRef, subjects: &obj.subjects)
    }

    public func validate(_ obj: RbacV1.ClusterRoleBinding) -> [FieldError] {
        RbacValidation.binding(roleRef: obj.roleRef, subjects: obj.subjects, kinds: ["ClusterRole"], namespaced: false)
    }

    public func validateUpdate(_ new: RbacV1.ClusterRoleBinding, old: RbacV1.ClusterRoleBinding) -> [FieldError] {
        RbacValidation.roleRefUnchanged(new.roleRef, old.roleRef)
    }

    public var tableColumns: [TableColumn] { RbacValidation.bindingColumns }

    public func tableCells(_ obj: RbacV1.ClusterRoleBinding, now: Date) -> [JSONValue] {
        RbacValidation.bindingCells(obj, roleRef: obj.roleRef, subjects: obj.subjects, now: now)
    }
}
