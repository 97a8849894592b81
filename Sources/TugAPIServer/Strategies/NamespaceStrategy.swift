import Foundation
import TugAPI

/// Namespaces: the `kubernetes` finalizer and phase Active/Terminating.
public struct NamespaceStrategy: ResourceStrategy {
    public typealias Object = CoreV1.Namespace
    public let info: ResourceInfo
    public init(info: ResourceInfo) { self.info = info }

    public func prepareForCreate(_ obj: inout CoreV1.Namespace) {
        var spec = obj.spec ?? CoreV1.NamespaceSpec()
        if spec.finalizers?.isEmpty ?? true { spec.finalizers = ["kubernetes"] }
        obj.spec = spec
        obj.status = CoreV1.NamespaceStatus(phase: "Active")
    }

    public func prepareForUpdate(_ new: inout CoreV1.Namespace, old: CoreV1.Namespace) {
        new.status = old.status
        new.spec = old.spec
    }

    public func prepareForStatusUpdate(_ new: CoreV1.Namespace, old: CoreV1.Namespace) -> CoreV1.Namespace {
        var o = old
        o.status = new.status
        return o
    }

    public func prepareForDeletion(_ obj: inout CoreV1.Namespace) {
        obj.status = CoreV1.NamespaceStatus(phase: "Terminating")
    }

    public func validate(_ obj: CoreV1.Namespace) -> [FieldError] {
        let name = obj.metadata.name ?? ""
        let problems = Validation.isDNS1123Label(name)
        return problems.isEmpty ? [] : [.invalid("metadata.name", name, problems.joined(separator: "; "))]
    }

    public var selectableFieldNames: [String] { ["status.phase"] }
    public func selectableFields(_ obj: CoreV1.Namespace) -> [String: String] { ["status.phase": obj.status?.phase ?? ""] }

    public var tableColumns: [TableColumn] { [.name, TableColumn("Status"), .age] }
    public func tableCells(_ obj: CoreV1.Namespace, now: Date) -> [JSONValue] {
        [.string(obj.metadata.name ?? ""), .string(obj.status?.phase ?? "Active"), .string(Age.since(obj.metadata.creationTimestamp, now: now))]
    }
}
