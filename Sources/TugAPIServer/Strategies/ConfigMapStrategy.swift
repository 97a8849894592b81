import Foundation
import TugAPI

/// ConfigMaps: valid keys, no key in both `data` and `binaryData`, at most 1 MiB of values,
/// and nothing changes once `immutable` is set.
public struct ConfigMapStrategy: ResourceStrategy {
    public typealias Object = CoreV1.ConfigMap
    public let info: ResourceInfo
    public init(info: ResourceInfo) { self.info = info }

    /// `MaxSecretSize`, shared by ConfigMaps and Secrets.
    static let maxSize = 1024 * 1024

    public func validate(_ obj: CoreV1.ConfigMap) -> [FieldError] {
        var errs: [FieldError] = []
        var size = 0
        let data = obj.data ?? [:]
        let binary = obj.binaryData ?? [:]
        for key in GoFormat.sortedKeys(data) {
            errs += Validation.isConfigMapKey(key).map { FieldError.invalid("data[\(key)]", key, $0) }
            if binary[key] != nil { errs.append(.invalid("data[\(key)]", key, "duplicate of key present in binaryData")) }
            size += data[key]!.utf8.count
        }
        for key in GoFormat.sortedKeys(binary) {
            errs += Validation.isConfigMapKey(key).map { FieldError.invalid("binaryData[\(key)]", key, $0) }
            if data[key] != nil { errs.append(.invalid("binaryData[\(key)]", key, "duplicate of key present in data")) }
            size += binary[key]!.count
        }
        if size > Self.maxSize { errs.append(.tooLong("", Self.maxSize)) }
        return errs
    }

    public func validateUpdate(_ new: CoreV1.ConfigMap, old: CoreV1.ConfigMap) -> [FieldError] {
        guard old.immutable == true else { return [] }
        var errs: [FieldError] = []
        let message = "field is immutable when `immutable` is set"
        if new.immutable != true { errs.append(.forbidden("immutable", message)) }
        if (new.data ?? [:]) != (old.data ?? [:]) { errs.append(.forbidden("data", message)) }
        if (new.binaryData ?? [:]) != (old.binaryData ?? [:]) { errs.append(.forbidden("binaryData", message)) }
        return errs
    }

    public var tableColumns: [TableColumn] { [.name, .integer("Data", "Number of data items in the config map."), .age] }

    public func tableCells(_ obj: CoreV1.ConfigMap, now: Date) -> [JSONValue] {
        [TableFormat.name(obj), .int(Int64((obj.data?.count ?? 0) + (obj.binaryData?.count ?? 0))), TableFormat.age(obj, now)]
    }
}
