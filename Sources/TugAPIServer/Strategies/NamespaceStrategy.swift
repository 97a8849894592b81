import Foundation
import TugAPI

/// Namespaces: the `kubernetes.io/metadata.name` label, the `kubernetes` finalizer, phase
/// Active then Terminating, DNS-label names, and kubectl's columns.
public struct NamespaceStrategy: ResourceStrategy {
    public typealias Object = CoreV1.Namespace
    public let info: ResourceInfo
    public init(info: ResourceInfo) { self.info = info }

    public var nameValidator: Validation.NameValidator { Validation.nameIsDNSLabel }

    public func applyDefaults(_ obj: inout CoreV1.Namespace) {
        if let name = obj.metadata.name, !name.isEmpty {
            var labels = obj.metadata.labels ?? [:]
            labels["kubernetes.io/metadata.name"] = name
            obj.metadata.labels = labels
        }
        if var status = obj.status, (status.phase ?? "").isEmpty {
            status.phase = "Active"
            obj.status = status
        }
    }

    /// Active, with the `kubernetes` finalizer the namespace controller removes once the
    /// namespace's content is gone.
    public func prepareForCreate(_ obj: inout CoreV1.Namespace) {
        var spec = obj.spec ?? CoreV1.NamespaceSpec()
        var finalizers = spec.finalizers ?? []
        if !finalizers.contains("kubernetes") { finalizers.append("kubernetes") }
        spec.finalizers = finalizers
        obj.spec = spec
        obj.status = CoreV1.NamespaceStatus(phase: "Active")
    }

    /// Finalizers change only through the `finalize` subresource, status through `status`.
    public func prepareForUpdate(_ new: inout CoreV1.Namespace, old: CoreV1.Namespace) {
        var spec = new.spec ?? CoreV1.NamespaceSpec()
        spec.finalizers = old.spec?.finalizers
        new.spec = spec
        new.status = old.status
    }

    public func prepareForStatusUpdate(_ new: CoreV1.Namespace, old: CoreV1.Namespace) -> CoreV1.Namespace {
        var o = old
        o.status = new.status
        return o
    }

    public func prepareForDeletion(_ obj: inout CoreV1.Namespace) {
        var status = obj.status ?? CoreV1.NamespaceStatus()
        status.phase = "Terminating"
        obj.status = status
    }

    public func hasPendingFinalization(_ obj: CoreV1.Namespace) -> Bool { !(obj.spec?.finalizers ?? []).isEmpty }

    /// `finalize` changes `spec.finalizers` only.
    public func prepareForFinalize(_ new: CoreV1.Namespace, old: CoreV1.Namespace) -> CoreV1.Namespace? {
        var o = old
        var spec = o.spec ?? CoreV1.NamespaceSpec()
        spec.finalizers = new.spec?.finalizers
        o.spec = spec
        return o
    }

    public func validate(_ obj: CoreV1.Namespace) -> [FieldError] {
        Self.finalizers(obj.spec?.finalizers ?? [])
    }

    /// Qualified names; without a domain only the standard `kubernetes` (reported at `spec.finalizers`).
    static func finalizers(_ finalizers: [String]) -> [FieldError] {
        var errs: [FieldError] = []
        for f in finalizers {
            let problems = Validation.isQualifiedName(f)
            errs += problems.map { FieldError.invalid("spec.finalizers", f, $0) }
            if problems.isEmpty && !f.contains("/") && f != "kubernetes" {
                errs.append(.invalid("spec.finalizers", f, "name is neither a standard finalizer name nor is it fully qualified"))
            }
        }
        return errs
    }

    public func validateStatusUpdate(_ new: CoreV1.Namespace, old: CoreV1.Namespace) -> [FieldError] {
        let phase = new.status?.phase ?? ""
        if new.metadata.deletionTimestamp == nil {
            if phase != "Active" { return [.invalid("status.Phase", phase, "may only be 'Active' if `deletionTimestamp` is empty")] }
        } else if phase != "Terminating" {
            return [.invalid("status.Phase", phase, "may only be 'Terminating' if `deletionTimestamp` is not empty")]
        }
        return []
    }

    public var selectableFieldNames: [String] { ["status.phase"] }
    public func selectableFields(_ obj: CoreV1.Namespace) -> [String: String] { ["status.phase": obj.status?.phase ?? ""] }

    public var tableColumns: [TableColumn] { [.name, .string("Status", "The status of the namespace"), .age] }

    public func tableCells(_ obj: CoreV1.Namespace, now: Date) -> [JSONValue] {
        [TableFormat.name(obj), .string(obj.status?.phase ?? ""), TableFormat.age(obj, now)]
    }
}
