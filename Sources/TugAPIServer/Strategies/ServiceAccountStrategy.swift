import Foundation
import TugAPI

/// ServiceAccounts: secret references with names, and kubectl's columns.
public struct ServiceAccountStrategy: ResourceStrategy {
    public typealias Object = CoreV1.ServiceAccount
    public let info: ResourceInfo
    public init(info: ResourceInfo) { self.info = info }

    public func validate(_ obj: CoreV1.ServiceAccount) -> [FieldError] {
        var errs: [FieldError] = []
        for (i, ref) in (obj.imagePullSecrets ?? []).enumerated() where (ref.name ?? "").isEmpty {
            errs.append(.required("imagePullSecrets[\(i)].name"))
        }
        return errs
    }

    public var tableColumns: [TableColumn] {
        [.name, .integer("Secrets", "Secrets is a list of the secrets in the same namespace that pods running using this ServiceAccount are allowed to use."), .age]
    }

    public func tableCells(_ obj: CoreV1.ServiceAccount, now: Date) -> [JSONValue] {
        [TableFormat.name(obj), .int(Int64(obj.secrets?.count ?? 0)), TableFormat.age(obj, now)]
    }
}
