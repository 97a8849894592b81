/// `PatchMeta` for the built-in kinds: walks `APISchema` (the protobuf field table) for the
/// shape and `PatchMergeTable` for how each field merges.
///
/// `RawExtension`, `FieldsV1` and messages the table does not describe have no metadata (nil),
/// so their content merges like JSON merge patch, as Kubernetes treats custom resources.
public struct SchemaPatchMeta: PatchMeta {
    let schema: APISchema
    let type: SchemaType
    /// The merge metadata of the field holding this value (nil for list items, map values, the root).
    let info: FieldPatchInfo?

    init(schema: APISchema, type: SchemaType, info: FieldPatchInfo?) {
        self.schema = schema
        self.type = type
        self.info = info
    }

    /// The metadata of a whole object of `message` (`k8s.io.api.apps.v1.Deployment`); nil when
    /// the schema does not know the message.
    public static func forMessage(_ message: String, schema: APISchema = .shared) -> SchemaPatchMeta? {
        guard schema.message(message) != nil else { return nil }
        return SchemaPatchMeta(schema: schema, type: .message(message), info: nil)
    }

    /// The metadata of a served resource's kind.
    public static func forResource(_ info: ResourceInfo, schema: APISchema = .shared) -> SchemaPatchMeta? {
        forMessage(info.protobufMessage, schema: schema)
    }

    public func child(_ field: String) -> (any PatchMeta)? {
        switch type {
        case .message(let m):
            guard let f = schema.field(field, in: m), let name = f.jsonName else { return nil }
            return node(f.type, info: PatchMergeTable.info(message: f.message, field: name))
        case .map(let value):
            return node(value, info: nil)
        default:
            return nil
        }
    }

    public func listElement() -> (any PatchMeta)? {
        guard case .list(let element) = type else { return nil }
        return node(element, info: nil)
    }

    private func node(_ t: SchemaType, info: FieldPatchInfo?) -> SchemaPatchMeta? {
        switch t {
        case .opaque, .special(.rawExtension), .special(.fieldsV1): return nil
        default: return SchemaPatchMeta(schema: schema, type: t, info: info)
        }
    }

    public var strategy: PatchStrategy { info?.strategy ?? [] }
    public var mergeKey: String? { info?.mergeKey }
    public var listType: ListType { info?.listType ?? .atomic }
    public var keyDefaults: [String: JSONValue] { info?.keyDefaults ?? [:] }

    public var isAtomic: Bool {
        if info?.isAtomic == true { return true }
        if case .message(let m) = type { return PatchMergeTable.isAtomic(message: m) }
        return false
    }

    public var hasNamedFields: Bool {
        if case .message = type { return true }
        return false
    }

    public var typeName: String {
        switch type {
        case .message(let m), .opaque(let m): return m
        case .list(let e): return "[]" + (e.messageName ?? "")
        case .map(let e): return "map[string]" + (e.messageName ?? "")
        case .scalar(let s): return s.rawValue
        case .special(let s): return s.messageName
        }
    }
}
