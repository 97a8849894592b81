import Foundation
import TugAPI

/// Who owns a managed-fields entry. `Update` entries are per API version; an `Apply` entry is
/// one per manager whatever version it applied, as in Kubernetes' manager identifiers.
public struct ManagerID: Hashable, Sendable {
    public var manager: String
    public var operation: String
    /// Empty for `Apply`.
    public var apiVersion: String
    public var subresource: String

    public init(manager: String, operation: String, apiVersion: String, subresource: String = "") {
        self.manager = manager.isEmpty ? "unknown" : manager
        self.operation = operation
        self.apiVersion = operation == ManagedFieldsRecord.apply ? "" : apiVersion
        self.subresource = subresource
    }

    /// How conflict messages name a manager: `"kubectl"`, `"kubectl-edit" using apps/v1`.
    public var displayName: String {
        var s = goQuoted(manager)
        if !subresource.isEmpty { s += " with subresource \(goQuoted(subresource))" }
        if operation == ManagedFieldsRecord.update { s += " using \(apiVersion)" }
        return s
    }

}

/// One `metadata.managedFields` entry: a manager, its operation, and the fields it owns.
public struct ManagedFieldsRecord: Sendable, Hashable {
    public static let apply = "Apply"
    public static let update = "Update"

    public var manager: String
    public var operation: String
    public var apiVersion: String
    public var subresource: String
    /// RFC 3339, second precision.
    public var time: String?
    public var fields: FieldSet

    public init(manager: String, operation: String, apiVersion: String, subresource: String = "", time: String? = nil, fields: FieldSet) {
        self.manager = manager
        self.operation = operation
        self.apiVersion = apiVersion
        self.subresource = subresource
        self.time = time
        self.fields = fields
    }

    public var id: ManagerID { ManagerID(manager: manager, operation: operation, apiVersion: apiVersion, subresource: subresource) }

    /// Parses one entry, rejecting what Kubernetes rejects (unknown operation, no apiVersion,
    /// a fieldsType other than FieldsV1).
    public init(json: JSONValue) throws {
        guard case .object(let o) = json else { throw FieldsV1Error("a managed fields entry must be an object") }
        let op = o["operation"]?.stringValue ?? ""
        guard op == Self.apply || op == Self.update else { throw FieldsV1Error("operation must be `Apply` or `Update`") }
        guard let v = o["apiVersion"]?.stringValue, !v.isEmpty else { throw FieldsV1Error("apiVersion must not be empty") }
        switch o["fieldsType"]?.stringValue ?? "" {
        case "FieldsV1": break
        case "": throw FieldsV1Error("missing fieldsType in managed fields entry")
        case let t: throw FieldsV1Error("invalid fieldsType \"\(t)\" in managed fields entry")
        }
        self.init(manager: o["manager"]?.stringValue ?? "", operation: op, apiVersion: v,
                  subresource: o["subresource"]?.stringValue ?? "", time: o["time"]?.stringValue,
                  fields: try o["fieldsV1"].map { try FieldSet(fieldsV1: $0) } ?? FieldSet())
    }

    public var json: JSONValue {
        var o: [String: JSONValue] = [
            "manager": .string(manager), "operation": .string(operation), "apiVersion": .string(apiVersion),
            "fieldsType": "FieldsV1", "fieldsV1": fields.fieldsV1,
        ]
        if let t = time { o["time"] = .string(t) }
        if !subresource.isEmpty { o["subresource"] = .string(subresource) }
        return .object(o)
    }

    /// Parses `metadata.managedFields` (nil or absent gives an empty list).
    public static func list(from value: JSONValue?) throws -> [ManagedFieldsRecord] {
        guard let value, !value.isNull else { return [] }
        guard case .array(let a) = value else { throw FieldsV1Error("managedFields must be a list") }
        return try a.map(ManagedFieldsRecord.init(json:))
    }

    /// Kubernetes' order: Apply before Update, then oldest first, then by name.
    public static func sorted(_ records: [ManagedFieldsRecord]) -> [ManagedFieldsRecord] {
        records.sorted { p, q in
            if p.operation != q.operation { return p.operation < q.operation }
            let ps = p.time.flatMap(RFC3339.parse)?.timeIntervalSince1970 ?? 0
            let qs = q.time.flatMap(RFC3339.parse)?.timeIntervalSince1970 ?? 0
            if ps.rounded(.down) != qs.rounded(.down) { return ps < qs }
            if p.manager != q.manager { return p.manager < q.manager }
            if p.apiVersion != q.apiVersion { return p.apiVersion < q.apiVersion }
            return p.subresource < q.subresource
        }
    }
}
