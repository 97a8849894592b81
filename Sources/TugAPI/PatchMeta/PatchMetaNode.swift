/// A `PatchMeta` built by hand: for tests, and for callers that know a small type without a schema.
///
/// ```swift
/// let pod = PatchMetaNode.object([
///     "spec": .object(["containers": .list(of: .object([:]), strategy: .merge, mergeKey: "name",
///                                          listType: .map(keys: ["name"]))]),
/// ])
/// ```
public final class PatchMetaNode: PatchMeta {
    public let fields: [String: PatchMetaNode]
    /// The type of every entry when this node is a map (arbitrary keys).
    public let mapValues: PatchMetaNode?
    public let element: PatchMetaNode?
    public let strategy: PatchStrategy
    public let mergeKey: String?
    public let listType: ListType
    public let keyDefaults: [String: JSONValue]
    public let isAtomic: Bool
    public let hasNamedFields: Bool
    public let typeName: String

    public init(fields: [String: PatchMetaNode] = [:], mapValues: PatchMetaNode? = nil, element: PatchMetaNode? = nil,
                strategy: PatchStrategy = [], mergeKey: String? = nil, listType: ListType = .atomic,
                keyDefaults: [String: JSONValue] = [:], isAtomic: Bool = false, hasNamedFields: Bool = true,
                typeName: String = "") {
        self.fields = fields
        self.mapValues = mapValues
        self.element = element
        self.strategy = strategy
        self.mergeKey = mergeKey
        self.listType = listType
        self.keyDefaults = keyDefaults
        self.isAtomic = isAtomic
        self.hasNamedFields = hasNamedFields
        self.typeName = typeName
    }

    public func child(_ field: String) -> (any PatchMeta)? {
        hasNamedFields ? fields[field] : mapValues
    }

    public func listElement() -> (any PatchMeta)? { element }

    /// A scalar field (string, number, bool, quantity, time...).
    public static let scalar = PatchMetaNode()

    /// A struct with named fields.
    public static func object(_ fields: [String: PatchMetaNode], atomic: Bool = false, strategy: PatchStrategy = [],
                              name: String = "") -> PatchMetaNode {
        PatchMetaNode(fields: fields, strategy: strategy, isAtomic: atomic, typeName: name)
    }

    /// A map with arbitrary keys whose values are all `values`.
    public static func map(_ values: PatchMetaNode = .scalar, atomic: Bool = false) -> PatchMetaNode {
        PatchMetaNode(mapValues: values, isAtomic: atomic, hasNamedFields: false)
    }

    /// A list field; `strategy`/`mergeKey` drive strategic merge patch, `listType` drives apply.
    public static func list(of element: PatchMetaNode = .scalar, strategy: PatchStrategy = [], mergeKey: String? = nil,
                            listType: ListType = .atomic, keyDefaults: [String: JSONValue] = [:]) -> PatchMetaNode {
        PatchMetaNode(element: element, strategy: strategy, mergeKey: mergeKey, listType: listType, keyDefaults: keyDefaults)
    }
}
