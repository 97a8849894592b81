import Foundation
import TugAPI

/// Tracking of ordinary writes (create, update, JSON/merge/strategic patch).
extension ManagedFieldsEngine {
    /// Records that `manager` wrote `new` over `old` (nil on create): it takes the fields that
    /// changed, and other managers lose them. Existing objects nobody tracks stay untracked.
    public func update(old: JSONValue?, new: JSONValue, manager: String, managedFields: [ManagedFieldsRecord],
                       now: Date = Date()) throws -> [ManagedFieldsRecord] {
        var managers = Self.sets(from: managedFields)
        let uid = old?["metadata"]?["uid"]?.stringValue ?? ""
        if managers.isEmpty && !uid.isEmpty { return [] }
        let id = ManagerID(manager: manager, operation: ManagedFieldsRecord.update, apiVersion: apiVersion, subresource: subresource)
        try recordUpdate(old: Self.withoutManagedFields(old ?? .object([:])), new: Self.withoutManagedFields(new),
                         managers: &managers, id: id, now: now)
        capUpdateManagers(&managers)
        return Self.records(from: managers)
    }

    /// `update` reading `metadata.managedFields` as kube-apiserver does (the new object's when it
    /// sets them, `[]` or `[{}]` to reset, else the old object's) and writing the result into `new`.
    /// Never fails: on error the old object's records are kept.
    public func update(old: JSONValue?, new: JSONValue, manager: String, now: Date = Date()) -> JSONValue {
        let oldRecords = (try? ManagedFieldsRecord.list(from: old?["metadata"]?["managedFields"])) ?? []
        var start = oldRecords
        let requested = new["metadata"]?["managedFields"]
        if subresource.isEmpty, let requested, !requested.isNull {
            if Self.isReset(requested) {
                start = []
            } else if let r = try? ManagedFieldsRecord.list(from: requested), !r.isEmpty {
                start = r
            }
        }
        guard let records = try? update(old: old, new: new, manager: manager, managedFields: start, now: now) else {
            return Self.setting(oldRecords, on: new)
        }
        return Self.setting(records, on: new)
    }

    func recordUpdate(old: JSONValue, new: JSONValue, managers: inout ManagedSets, id: ManagerID, now: Date) throws {
        // Fields this endpoint never records (a status write's spec) need no comparing.
        try updater.update(live: reset.trimmed(old), new: reset.trimmed(new), managers: &managers, manager: id, apiVersion: apiVersion)
        strip(&managers, id)
        managers[id]?.time = Time(now).rfc3339
    }

    /// Removes the fields no one may own from `id`'s set.
    func strip(_ managers: inout ManagedSets, _ id: ManagerID) {
        guard var e = managers[id] else { return }
        e.set = e.set.subtracting(FieldSet(paths: Self.strippedPaths))
        managers[id] = e.set.isEmpty ? nil : e
    }

    /// More than `maxUpdateManagers` Update entries: the oldest merge into `ancient-changes`.
    func capUpdateManagers(_ managers: inout ManagedSets) {
        var updaters = managers.filter { !$0.value.applied }.map(\.key)
        guard updaters.count > maxUpdateManagers else { return }
        func seconds(_ id: ManagerID) -> Double {
            managers[id]?.time.flatMap(RFC3339.parse)?.timeIntervalSince1970.rounded(.down) ?? 0
        }
        updaters.sort { a, b in
            let (sa, sb) = (seconds(a), seconds(b))
            if sa != sb { return sa < sb }
            return (a.manager, a.apiVersion, a.subresource) < (b.manager, b.apiVersion, b.subresource)
        }
        var firstByVersion: [String: ManagerID] = [:]
        var length = updaters.count
        for id in updaters where length > maxUpdateManagers {
            guard let entry = managers[id] else { continue }
            let bucket = ManagerID(manager: "ancient-changes", operation: ManagedFieldsRecord.update, apiVersion: entry.apiVersion)
            guard let first = firstByVersion[entry.apiVersion] else {
                firstByVersion[entry.apiVersion] = id
                continue
            }
            if managers[bucket] == nil { managers[bucket] = managers.removeValue(forKey: first) }
            managers[bucket]!.set = entry.set.union(managers[bucket]!.set)
            managers[bucket]!.time = entry.time
            managers.removeValue(forKey: id)
            length -= 1
        }
    }

    static func isReset(_ v: JSONValue) -> Bool {
        guard case .array(let a) = v else { return false }
        if a.isEmpty { return true }
        guard a.count == 1, case .object(let o) = a[0] else { return false }
        return o.values.allSatisfy { $0.isNull || $0 == "" || $0 == .object([:]) }
    }

    // MARK: conversions

    static func sets(from records: [ManagedFieldsRecord]) -> ManagedSets {
        var out: ManagedSets = [:]
        for r in records {
            out[r.id] = ManagedEntry(set: r.fields, apiVersion: r.apiVersion, applied: r.operation == ManagedFieldsRecord.apply, time: r.time)
        }
        return out
    }

    static func records(from sets: ManagedSets) -> [ManagedFieldsRecord] {
        ManagedFieldsRecord.sorted(sets.map { id, e in
            ManagedFieldsRecord(manager: id.manager, operation: e.applied ? ManagedFieldsRecord.apply : ManagedFieldsRecord.update,
                                apiVersion: e.apiVersion, subresource: id.subresource, time: e.time, fields: e.set)
        })
    }

    static func withoutManagedFields(_ v: JSONValue) -> JSONValue {
        guard var meta = v["metadata"]?.objectValue, meta["managedFields"] != nil else { return v }
        meta.removeValue(forKey: "managedFields")
        var out = v
        out["metadata"] = .object(meta)
        return out
    }

    /// Writes the records into `metadata.managedFields` (removing the key when there are none).
    static func setting(_ records: [ManagedFieldsRecord], on object: JSONValue) -> JSONValue {
        var out = object
        var meta = out["metadata"]?.objectValue ?? [:]
        if records.isEmpty {
            meta.removeValue(forKey: "managedFields")
        } else {
            meta["managedFields"] = .array(records.map(\.json))
        }
        out["metadata"] = .object(meta)
        return out
    }
}
