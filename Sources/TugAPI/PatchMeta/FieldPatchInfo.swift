/// The merge metadata of one field, as one row of `PatchMergeTable`.
public struct FieldPatchInfo: Sendable, Hashable {
    public var strategy: PatchStrategy
    public var mergeKey: String?
    public var listType: ListType
    /// Defaults of key fields for a list-map (`listType: .map`).
    public var keyDefaults: [String: JSONValue]
    /// The field (a map) is atomic for apply (`+mapType=atomic`).
    public var isAtomic: Bool

    public init(strategy: PatchStrategy = [], mergeKey: String? = nil, listType: ListType = .atomic,
                keyDefaults: [String: JSONValue] = [:], isAtomic: Bool = false) {
        self.strategy = strategy
        self.mergeKey = mergeKey
        self.listType = listType
        self.keyDefaults = keyDefaults
        self.isAtomic = isAtomic
    }
}
