import Foundation
import TugAPI

/// Secrets: type `Opaque` by default, key names, `immutable`, `type` immutable.
public struct SecretStrategy: ResourceStrategy {
    public typealias Object = CoreV1.Secret
    public let info: ResourceInfo
    public init(info: ResourceInfo) { self.info = info }

    public func applyDefaults(_ obj: inout CoreV1.Secret) {
        if obj.type == nil || obj.type == "" { obj.type = "Opaque" }
    }

    /// `stringData` is write-only: merged into `data`, never stored.
    public func prepareForCreate(_ obj: inout CoreV1.Secret) { mergeStringData(&obj) }
    public func prepareForUpdate(_ new: inout CoreV1.Secret, old: CoreV1.Secret) { mergeStringData(&new) }

    func mergeStringData(_ obj: inout CoreV1.Secret) {
        guard let sd = obj.stringData else { return }
        var data = obj.data ?? [:]
        for (k, v) in sd { data[k] = Data(v.utf8) }
        obj.data = data
        obj.stringData = nil
    }

    public func validate(_ obj: CoreV1.Secret) -> [FieldError] {
        var errs: [FieldError] = []
        var size = 0
        for (k, v) in obj.data ?? [:] {
            errs += DataKeys.validate(k, path: "data[\(k)]")
            size += v.count
        }
        if size > 1024 * 1024 { errs.append(FieldError(.tooLong, "data", "Secret data must be at most 1048576 bytes")) }
        return errs
    }

    public func validateUpdate(_ new: CoreV1.Secret, old: CoreV1.Secret) -> [FieldError] {
        var errs: [FieldError] = []
        if new.type != old.type { errs.append(FieldError(.invalid, "type", value: "\"\(new.type ?? "")\"", "field is immutable")) }
        if old.immutable == true, new.data != old.data || new.immutable != true {
            errs.append(.forbidden("data", "field is immutable when `immutable` is set"))
        }
        return errs
    }

    public var selectableFieldNames: [String] { ["type"] }
    public func selectableFields(_ obj: CoreV1.Secret) -> [String: String] { ["type": obj.type ?? ""] }

    public var tableColumns: [TableColumn] { [.name, TableColumn("Type"), TableColumn("Data", type: "integer"), .age] }
    public func tableCells(_ obj: CoreV1.Secret, now: Date) -> [JSONValue] {
        [.string(obj.metadata.name ?? ""), .string(obj.type ?? "Opaque"), .int(Int64(obj.data?.count ?? 0)),
         .string(Age.since(obj.metadata.creationTimestamp, now: now))]
    }
}
