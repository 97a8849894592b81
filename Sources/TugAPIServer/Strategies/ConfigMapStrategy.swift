import Foundation
import TugAPI

/// ConfigMaps: key names, the 1 MiB limit, `immutable`.
public struct ConfigMapStrategy: ResourceStrategy {
    public typealias Object = CoreV1.ConfigMap
    public let info: ResourceInfo
    public init(info: ResourceInfo) { self.info = info }

    public func validate(_ obj: CoreV1.ConfigMap) -> [FieldError] {
        var errs: [FieldError] = []
        var size = 0
        for (k, v) in obj.data ?? [:] {
            errs += DataKeys.validate(k, path: "data[\(k)]")
            size += k.utf8.count + v.utf8.count
            if obj.binaryData?[k] != nil { errs.append(.duplicate("data[\(k)]", k)) }
        }
        for (k, v) in obj.binaryData ?? [:] {
            errs += DataKeys.validate(k, path: "binaryData[\(k)]")
            size += k.utf8.count + v.count
        }
        if size > 1024 * 1024 { errs.append(FieldError(.tooLong, "", "ConfigMap data must be at most 1048576 bytes")) }
        return errs
    }

    public func validateUpdate(_ new: CoreV1.ConfigMap, old: CoreV1.ConfigMap) -> [FieldError] {
        guard old.immutable == true else { return [] }
        var errs: [FieldError] = []
        if new.immutable != true { errs.append(.forbidden("immutable", "field is immutable when `immutable` is set")) }
        if new.data != old.data || new.binaryData != old.binaryData {
            errs.append(.forbidden("data", "field is immutable when `immutable` is set"))
        }
        return errs
    }

    public var tableColumns: [TableColumn] { [.name, TableColumn("Data", type: "integer"), .age] }
    public func tableCells(_ obj: CoreV1.ConfigMap, now: Date) -> [JSONValue] {
        [.string(obj.metadata.name ?? ""), .int(Int64((obj.data?.count ?? 0) + (obj.binaryData?.count ?? 0))),
         .string(Age.since(obj.metadata.creationTimestamp, now: now))]
    }
}

/// Keys of ConfigMap and Secret data: `[-._a-zA-Z0-9]+`, at most 253 characters.
enum DataKeys {
    static func validate(_ key: String, path: String) -> [FieldError] {
        let ok = !key.isEmpty && key.utf8.count <= 253 && key != "." && key != ".." && !key.hasPrefix("..")
            && key.unicodeScalars.allSatisfy { $0.isASCII && (CharacterSet.alphanumerics.contains($0) || "-._".unicodeScalars.contains($0)) }
        return ok ? [] : [.invalid(path, key, "a valid config key must consist of alphanumeric characters, '-', '_' or '.' (e.g. 'key.name',  or 'KEY_NAME',  or 'key-name', regex used for validation is '[-._a-zA-Z0-9]+')")]
    }
}
