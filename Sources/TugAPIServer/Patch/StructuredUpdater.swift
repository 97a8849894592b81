import TugAPI

/// One manager's field set while ownership is being worked out.
struct ManagedEntry: Sendable {
    var set: FieldSet
    var apiVersion: String
    var applied: Bool
    var time: String?
}

typealias ManagedSets = [ManagerID: ManagedEntry]

/// Ownership bookkeeping of server-side apply (structured-merge-diff's updater): who owns what
/// after an update or an apply, what an apply prunes, and which fields conflict.
struct StructuredUpdater {
    let meta: (any PatchMeta)?
    let reset: ResetFields

    /// A write by `manager` (operation Update): it takes every field it changed or added, and
    /// nobody keeps fields that are gone.
    func update(live: JSONValue, new: JSONValue, managers: inout ManagedSets, manager: ManagerID, apiVersion: String) throws {
        let cmp = try transfer(live: live, new: new, managers: &managers, acting: manager, force: true)
        let previous = managers[manager]?.set ?? FieldSet()
        let set = reset.filter(previous.subtracting(cmp.removed).union(cmp.modified).union(cmp.added))
        if set.isEmpty {
            managers.removeValue(forKey: manager)
        } else {
            managers[manager] = ManagedEntry(set: set, apiVersion: apiVersion, applied: false, time: managers[manager]?.time)
        }
    }

    /// An apply by `manager`: merges `config` into `live`, records the fields `config` sets as the
    /// manager's, removes fields it applied before and no longer applies (unless someone else
    /// owns them), and moves ownership of changed fields to it — or throws the conflicts.
    func apply(live: JSONValue, config: JSONValue, managers: inout ManagedSets, manager: ManagerID,
               apiVersion: String, force: Bool) throws -> JSONValue {
        var merged = try StructuredMerge.merge(live, config, meta)
        let last = managers[manager]
        let set = reset.filter(try StructuredFieldSet.of(config, meta))
        managers[manager] = ManagedEntry(set: set, apiVersion: apiVersion, applied: true, time: last?.time)
        merged = try prune(merged, managers: managers, last: last?.set)
        try transfer(live: live, new: merged, managers: &managers, acting: manager, force: force)
        return merged
    }

    /// Other managers lose what `acting` changed (a conflict unless forced) and what is gone.
    @discardableResult
    func transfer(live: JSONValue, new: JSONValue, managers: inout ManagedSets, acting: ManagerID, force: Bool) throws -> Comparison {
        let cmp = try Comparison.between(live, new, meta).filtered(reset)
        let changed = cmp.modified.union(cmp.added)
        var conflicts: [ManagerID: FieldSet] = [:]
        for (id, entry) in managers where id != acting {
            let c = entry.set.intersection(changed)
            if !c.isEmpty { conflicts[id] = c }
        }
        if !force && !conflicts.isEmpty { throw ApplyConflicts(conflicts) }
        for id in Array(managers.keys) {
            var s = managers[id]!.set
            if id != acting {
                if let c = conflicts[id] { s = s.subtracting(c) }
                s = s.subtracting(cmp.removed)
                managers[id]!.set = s
            }
            if s.isEmpty { managers.removeValue(forKey: id) }
        }
        return cmp
    }

    /// Removes from `merged` what the applier applied last time and nobody owns any more, keeping
    /// fields nobody ever owned (defaults) unless they hung below a removed field.
    private func prune(_ merged: JSONValue, managers: ManagedSets, last: FieldSet?) throws -> JSONValue {
        guard let last, !last.isEmpty else { return merged }
        let named = { (s: FieldSet) in StructuredFieldSet.ensureNamedFieldsAreMembers(s, meta) }
        let lastNamed = named(last)
        let firstCut = StructuredRemove.remove(lastNamed, from: merged, meta)

        // Add back every item someone still owns.
        let mergedSet = named(try StructuredFieldSet.of(merged, meta))
        let owned = named(managers.values.reduce(FieldSet()) { $0.union($1.set) })
        let firstCutSet = named(try StructuredFieldSet.of(firstCut, meta))
        let pruned = StructuredRemove.remove(mergedSet.subtracting(firstCutSet.union(owned)), from: merged, meta)

        // Only what the applier had applied is actually removed.
        let prunedSet = named(try StructuredFieldSet.of(pruned, meta))
        return StructuredRemove.remove(mergedSet.subtracting(prunedSet).intersection(lastNamed), from: merged, meta)
    }
}
