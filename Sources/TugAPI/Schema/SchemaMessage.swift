import Foundation

/// One protobuf message of the field table.
public struct SchemaMessage: Sendable, Hashable {
    /// Fully qualified name (`k8s.io.api.core.v1.Pod`).
    public var name: String
    /// Fields in table order (Go struct order), inline fields not expanded.
    public var fields: [SchemaField]
    /// JSON properties with inline fields expanded, in table order.
    public var jsonFields: [SchemaField]
    private var byNumber: [Int: Int]
    private var byJSON: [String: Int]

    public init(name: String, fields: [SchemaField], jsonFields: [SchemaField]) {
        self.name = name
        self.fields = fields
        self.jsonFields = jsonFields
        var byNumber: [Int: Int] = [:]
        for (i, f) in fields.enumerated() where byNumber[f.number] == nil { byNumber[f.number] = i }
        var byJSON: [String: Int] = [:]
        for (i, f) in jsonFields.enumerated() {
            if let n = f.jsonName, byJSON[n] == nil { byJSON[n] = i }
        }
        self.byNumber = byNumber
        self.byJSON = byJSON
    }

    /// `k8s.io.api.core.v1`
    public var package: String {
        guard let dot = name.lastIndex(of: ".") else { return "" }
        return String(name[..<dot])
    }
    /// `Pod`
    public var shortName: String {
        guard let dot = name.lastIndex(of: ".") else { return name }
        return String(name[name.index(after: dot)...])
    }

    /// The field with this protobuf number (inline fields are returned as themselves).
    public func field(number: Int) -> SchemaField? { byNumber[number].map { fields[$0] } }

    /// The JSON property with this name, looking through inline fields.
    public func field(json name: String) -> SchemaField? { byJSON[name].map { jsonFields[$0] } }

    /// Whether this is a top-level kind's message (its `metadata` is an ObjectMeta).
    public var hasObjectMeta: Bool { field(json: "metadata")?.type == .message(APISchema.objectMeta) }
    /// Whether this is a list kind's message (its `metadata` is a ListMeta).
    public var hasListMeta: Bool { field(json: "metadata")?.type == .message(APISchema.listMeta) }
}
