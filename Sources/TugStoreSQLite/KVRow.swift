import Foundation
import GRDB
import TugStore

/// One row of kine's `kv` table. Like kine, a create stores `create_revision = 0` and readers
/// take the row's own id; updates and deletes carry the create revision forward.
struct KVRow: Sendable {
    var id: Int64
    var name: String
    var created: Bool
    var deleted: Bool
    var storedCreateRevision: Int64
    var prevRevision: Int64
    var value: [UInt8]
    var oldValue: [UInt8]?

    /// Columns in the order `init(row:)` reads them.
    static let columns = "id, name, created, deleted, create_revision, prev_revision, value, old_value"

    init(row: Row) {
        id = row[0]
        name = row[1]
        created = (row[2] as Int64) != 0
        deleted = (row[3] as Int64) != 0
        storedCreateRevision = row[4]
        prevRevision = row[5]
        value = (row[6] as Data?).map { [UInt8]($0) } ?? []
        oldValue = (row[7] as Data?).map { [UInt8]($0) }
    }

    init(id: Int64, name: String, created: Bool, deleted: Bool, storedCreateRevision: Int64,
         prevRevision: Int64, value: [UInt8], oldValue: [UInt8]?) {
        self.id = id
        self.name = name
        self.created = created
        self.deleted = deleted
        self.storedCreateRevision = storedCreateRevision
        self.prevRevision = prevRevision
        self.value = value
        self.oldValue = oldValue
    }

    var createRevision: Int64 { created ? id : storedCreateRevision }

    /// The key's value as of this row (for a tombstone: the last value, at the delete's revision).
    var storedValue: StoredValue {
        StoredValue(key: name, value: value, createRevision: createRevision, modRevision: id)
    }

    /// The value this row replaced (nil for a create).
    var previousValue: StoredValue? {
        if created { return nil }
        return StoredValue(key: name, value: oldValue ?? value, createRevision: createRevision, modRevision: prevRevision)
    }

    var event: StoreEvent {
        if deleted {
            return .delete(storedValue, previous: previousValue ?? storedValue)
        }
        return .put(storedValue, previous: previousValue)
    }
}
