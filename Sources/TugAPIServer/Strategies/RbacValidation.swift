import Foundation
import TugAPI

/// Rules the four RBAC kinds share (`pkg/apis/rbac/validation`): names are path segments
/// (`system:controller:x` is fine), rules need verbs and targets, bindings a fixed role.
enum RbacValidation {
    static let group = "rbac.authorization.k8s.io"

    /// `path.IsValidPathSegmentName`.
    static let nameIsPathSegment: Validation.NameValidator = { name, _ in
        if name == "." || name == ".." { return ["may not be '\(name)'"] }
        return ["/", "%"].filter { name.contains($0) }.map { "may not contain '\($0)'" }
    }

    static func rules(_ rules: [RbacV1.PolicyRule], namespaced: Bool) -> [FieldError] {
        var errs: [FieldError] = []
        for (i, rule) in rules.enumerated() {
            let p = "rules[\(i)]"
            if (rule.verbs ?? []).isEmpty { errs.append(.required("\(p).verbs", "verbs must contain at least one value")) }
            if let urls = rule.nonResourceURLs, !urls.isEmpty {
                if namespaced {
                    errs.append(FieldError(.invalid, "\(p).nonResourceURLs", value: GoFormat.stringSlice(urls), "namespaced rules cannot apply to non-resource URLs"))
                }
                if !(rule.apiGroups ?? []).isEmpty || !(rule.resources ?? []).isEmpty || !(rule.resourceNames ?? []).isEmpty {
                    errs.append(FieldError(.invalid, "\(p).nonResourceURLs", value: GoFormat.stringSlice(urls),
                                           "rules cannot apply to both regular resources and non-resource URLs"))
                }
                continue
            }
            if (rule.apiGroups ?? []).isEmpty { errs.append(.required("\(p).apiGroups", "resource rules must supply at least one api group")) }
            if (rule.resources ?? []).isEmpty { errs.append(.required("\(p).resources", "resource rules must supply at least one resource")) }
        }
        return errs
    }

    /// Role references get the RBAC group; User and Group subjects too.
    static func defaultBinding(roleRef: inout RbacV1.RoleRef?, subjects: inout [RbacV1.Subject]?) {
        if var ref = roleRef, (ref.apiGroup ?? "").isEmpty {
            ref.apiGroup = group
            roleRef = ref
        }
        subjects = subjects?.map { s in
            var s = s
            if (s.apiGroup ?? "").isEmpty && (s.kind == "User" || s.kind == "Group") { s.apiGroup = group }
            return s
        }
    }

    static func binding(roleRef: RbacV1.RoleRef?, subjects: [RbacV1.Subject]?, kinds: [String], namespaced: Bool) -> [FieldError] {
        var errs: [FieldError] = []
        let ref = roleRef ?? RbacV1.RoleRef()
        if ref.apiGroup != group { errs.append(.notSupported("roleRef.apiGroup", ref.apiGroup ?? "", [group])) }
        if !kinds.contains(ref.kind ?? "") { errs.append(.notSupported("roleRef.kind", ref.kind ?? "", kinds)) }
        let name = ref.name ?? ""
        if name.isEmpty { errs.append(.required("roleRef.name")) }
        else { errs += nameIsPathSegment(name, false).map { FieldError.invalid("roleRef.name", name, $0) } }
        for (i, s) in (subjects ?? []).enumerated() {
            let p = "subjects[\(i)]"
            let subjectName = s.name ?? ""
            if subjectName.isEmpty { errs.append(.required("\(p).name")) }
            switch s.kind ?? "" {
            case "ServiceAccount":
                if !subjectName.isEmpty { errs += Validation.isDNS1123Subdomain(subjectName).map { FieldError.invalid("\(p).name", subjectName, $0) } }
                if let g = s.apiGroup, !g.isEmpty { errs.append(.notSupported("\(p).apiGroup", g, [""])) }
                if !namespaced && (s.namespace ?? "").isEmpty { errs.append(.required("\(p).namespace")) }
            case "User", "Group":
                if s.apiGroup != group { errs.append(.notSupported("\(p).apiGroup", s.apiGroup ?? "", [group])) }
            case let other:
                errs.append(.notSupported("\(p).kind", other, ["ServiceAccount", "User", "Group"]))
            }
        }
        return errs
    }

    static func roleRefUnchanged(_ new: RbacV1.RoleRef?, _ old: RbacV1.RoleRef?) -> [FieldError] {
        new == old ? [] : [FieldError(.invalid, "roleRef", value: GoFormat.json(new), "cannot change roleRef")]
    }

    // MARK: tables

    static let bindingColumns: [TableColumn] = [
        .name, .string("Role", "RoleRef references the role being granted."), .age,
        .string("Users", "Users in the roleBinding", priority: 1), .string("Groups", "Groups in the roleBinding", priority: 1),
        .string("ServiceAccounts", "ServiceAccounts in the roleBinding", priority: 1),
    ]

    static func bindingCells<O: APIObject>(_ obj: O, roleRef: RbacV1.RoleRef?, subjects: [RbacV1.Subject]?, now: Date) -> [JSONValue] {
        var users: [String] = [], groups: [String] = [], accounts: [String] = []
        for s in subjects ?? [] {
            switch s.kind ?? "" {
            case "ServiceAccount": accounts.append("\(s.namespace ?? "")/\(s.name ?? "")")
            case "User": users.append(s.name ?? "")
            case "Group": groups.append(s.name ?? "")
            default: break
            }
        }
        return [TableFormat.name(obj), .string("\(roleRef?.kind ?? "")/\(roleRef?.name ?? "")"), TableFormat.age(obj, now),
                .string(users.joined(separator: ", ")), .string(groups.joined(separator: ", ")), .string(accounts.joined(separator: ", "))]
    }
}
