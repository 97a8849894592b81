/// One key's value as of a revision. `modRevision` is the Kubernetes `resourceVersion`.
public struct StoredValue: Sendable, Hashable {
    public var key: String
    public var value: [UInt8]
    /// The revision that created this incarnation of the key (reset when a deleted key is re-created).
    public var createRevision: Int64
    /// The revision of the last write to the key.
    public var modRevision: Int64

    public init(key: String, value: [UInt8], createRevision: Int64, modRevision: Int64) {
        self.key = key
        self.value = value
        self.createRevision = createRevision
        self.modRevision = modRevision
    }
}

/// A page of a prefix listing, consistent at `revision`.
public struct StoredList: Sendable {
    public var items: [StoredValue]
    /// The revision the list is consistent at; pass it back as `atRevision` for the next page.
    public var revision: Int64
    /// Whether keys remain after the last item (continue from `items.last!.key`).
    public var more: Bool
    /// How many keys remain after this page; set only when `more` is true.
    public var remaining: Int?

    public init(items: [StoredValue], revision: Int64, more: Bool, remaining: Int?) {
        self.items = items
        self.revision = revision
        self.more = more
        self.remaining = remaining
    }
}
