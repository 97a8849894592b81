import Foundation
import TugAPI

/// Secrets: type `Opaque` by default, `stringData` merged into `data`, valid keys, the keys
/// each built-in type requires, a fixed type and nothing changing once `immutable` is set.
public struct SecretStrategy: ResourceStrategy {
    public typealias Object = CoreV1.Secret
    public let info: ResourceInfo
    public init(info: ResourceInfo) { self.info = info }

    /// `stringData` is write-only: as in Kubernetes' conversion, its entries replace `data`'s.
    public func applyDefaults(_ obj: inout CoreV1.Secret) {
        if (obj.type ?? "").isEmpty { obj.type = "Opaque" }
        if let sd = obj.stringData {
            var data = obj.data ?? [:]
            for (k, v) in sd { data[k] = Data(v.utf8) }
            obj.data = data
            obj.stringData = nil
        }
    }

    public func validate(_ obj: CoreV1.Secret) -> [FieldError] {
        var errs: [FieldError] = []
        let data = obj.data ?? [:]
        var size = 0
        for key in GoFormat.sortedKeys(data) {
            errs += Validation.isConfigMapKey(key).map { FieldError.invalid("data[\(key)]", key, $0) }
            size += data[key]!.count
        }
        if size > ConfigMapStrategy.maxSize { errs.append(.tooLong("data", ConfigMapStrategy.maxSize)) }
        switch obj.type ?? "" {
        case "kubernetes.io/service-account-token":
            if (obj.metadata.annotations?["kubernetes.io/service-account.name"] ?? "").isEmpty {
                errs.append(.required("metadata.annotations[kubernetes.io/service-account.name]"))
            }
        case "kubernetes.io/dockercfg":
            errs += jsonKey(".dockercfg", data)
        case "kubernetes.io/dockerconfigjson":
            errs += jsonKey(".dockerconfigjson", data)
        case "kubernetes.io/basic-auth":
            if data["username"] == nil && data["password"] == nil {
                errs += [.required("data[username]"), .required("data[password]")]
            }
        case "kubernetes.io/ssh-auth":
            if (data["ssh-privatekey"] ?? Data()).isEmpty { errs.append(.required("data[ssh-privatekey]")) }
        case "kubernetes.io/tls":
            if data["tls.crt"] == nil { errs.append(.required("data[tls.crt]")) }
            if data["tls.key"] == nil { errs.append(.required("data[tls.key]")) }
        default:
            break
        }
        return errs
    }

    /// The key must exist and hold a JSON object.
    func jsonKey(_ key: String, _ data: [String: Data]) -> [FieldError] {
        guard let bytes = data[key] else { return [.required("data[\(key)]")] }
        if case .object = (try? JSONValue(parsing: bytes)) ?? .null { return [] }
        return [FieldError(.invalid, "data[\(key)]", value: "\"<secret contents redacted>\"", "invalid JSON object")]
    }

    public func validateUpdate(_ new: CoreV1.Secret, old: CoreV1.Secret) -> [FieldError] {
        var errs = GoFormat.immutableString(new.type, old.type, path: "type")
        if old.immutable == true {
            let message = "field is immutable when `immutable` is set"
            if new.immutable != true { errs.append(.forbidden("immutable", message)) }
            if (new.data ?? [:]) != (old.data ?? [:]) { errs.append(.forbidden("data", message)) }
        }
        return errs
    }

    public var selectableFieldNames: [String] { ["type"] }
    public func selectableFields(_ obj: CoreV1.Secret) -> [String: String] { ["type": obj.type ?? ""] }

    public var tableColumns: [TableColumn] {
        [.name, .string("Type", "The type of the secret"), .integer("Data", "The number of entries in the secret"), .age]
    }

    public func tableCells(_ obj: CoreV1.Secret, now: Date) -> [JSONValue] {
        [TableFormat.name(obj), .string(obj.type ?? ""), .int(Int64(obj.data?.count ?? 0)), TableFormat.age(obj, now)]
    }
}
