/// One committed write, as delivered by `Store.watch`.
public enum StoreEvent: Sendable, Hashable {
    /// A create (`previous == nil`) or an update.
    case put(StoredValue, previous: StoredValue?)
    /// A delete: the key's last value with `modRevision` set to the delete's revision, and the
    /// value as it was before the delete.
    case delete(StoredValue, previous: StoredValue)

    /// The revision of the write.
    public var revision: Int64 {
        switch self {
        case .put(let v, _), .delete(let v, _): v.modRevision
        }
    }

    public var key: String {
        switch self {
        case .put(let v, _), .delete(let v, _): v.key
        }
    }
}
