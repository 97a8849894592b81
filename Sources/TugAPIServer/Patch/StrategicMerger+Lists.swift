import TugAPI

/// List merging: by merge key for lists of maps, as sets for lists of scalars, and the ordering
/// rules (patch order first, server-only items kept near their old neighbours).
extension StrategicMerger {
    /// A list field present in both the original and the patch.
    func mergeListField(_ original: [JSONValue], _ patch: [JSONValue], _ listMeta: (any PatchMeta)?,
                        isDeleteList: Bool) throws -> [JSONValue] {
        guard listMeta?.strategy.contains(.merge) == true || isDeleteList else {
            return cleanNewValue(.array(patch))?.arrayValue ?? []
        }
        return try mergeList(original, patch, listMeta, isDeleteList: isDeleteList)
    }

    private func mergeList(_ originalIn: [JSONValue], _ patchIn: [JSONValue], _ listMeta: (any PatchMeta)?,
                           isDeleteList: Bool) throws -> [JSONValue] {
        if originalIn.isEmpty && patchIn.isEmpty { return originalIn }
        let kind = try elementKind(originalIn + patchIn)
        let mergeKey = listMeta?.mergeKey ?? ""
        var original = originalIn, patch = patchIn
        var merged: [JSONValue]
        if kind != .object {
            if isDeleteList {
                return original.filter { item in !patch.contains { $0.patchEquals(item) } }
            }
            merged = []
            for v in original + patch where !merged.contains(where: { $0.patchEquals(v) }) {
                merged.append(v)
            }
        } else {
            guard !mergeKey.isEmpty else {
                let name = listMeta?.typeName ?? ""
                throw PatchErrors.badRequest("cannot merge lists without merge key for \(name.isEmpty ? "this list" : name)")
            }
            (original, patch) = try applySpecialElements(original, patch, mergeKey: mergeKey)
            merged = try mergeByKey(original, patch, mergeKey: mergeKey, elementMeta: listMeta?.listElement())
        }
        let (patchItems, serverOnly) = try partition(merged, by: patch, mergeKey: kind == .object ? mergeKey : "")
        return try normalizeOrder(patchItems, serverOnly, patchOrder: patch, serverOrder: original, mergeKey: mergeKey, kind: kind)
    }

    /// The one kind all items share; lists of lists are refused as Kubernetes refuses them.
    func elementKind(_ items: [JSONValue]) throws -> JSONValue.Kind {
        guard let first = items.first?.kind else {
            throw PatchErrors.badRequest("no elements in any of the given slices")
        }
        if first == .array { throw PatchErrors.noListOfLists }
        for v in items where v.kind != first {
            throw PatchErrors.badRequest("list element types are not identical: \(JSONValue.array(items).goDescription)")
        }
        return first
    }

    /// Items carrying `$patch`: `delete` removes the original item with that key, `replace`
    /// makes the rest of the patch list the whole list.
    private func applySpecialElements(_ original: [JSONValue], _ patch: [JSONValue], mergeKey: String) throws -> ([JSONValue], [JSONValue]) {
        var original = original
        var plain: [JSONValue] = []
        var replace = false
        for v in patch {
            let m = v.objectValue ?? [:]
            guard let directive = m[Directive.patch] else {
                plain.append(v)
                continue
            }
            switch directive.stringValue {
            case "delete":
                guard let key = m[mergeKey] else { throw PatchErrors.noMergeKey(m, mergeKey) }
                original.removeAll { $0.objectValue?[mergeKey]?.patchEquals(key) == true }
            case "replace":
                replace = true
            case "merge":
                throw PatchErrors.badRequest("merging lists cannot yet be specified in the patch")
            default:
                throw PatchErrors.badPatchType(directive, m)
            }
        }
        if replace {
            return (plain.compactMap(cleanNewValue), [])
        }
        return (original, plain)
    }

    /// Each patch item merges into the original item with the same merge key, or is appended.
    private func mergeByKey(_ original: [JSONValue], _ patch: [JSONValue], mergeKey: String,
                            elementMeta: (any PatchMeta)?) throws -> [JSONValue] {
        var out = original
        for v in patch {
            let m = v.objectValue ?? [:]
            guard let key = m[mergeKey] else { throw PatchErrors.noMergeKey(m, mergeKey) }
            if let i = out.firstIndex(where: { $0.objectValue?[mergeKey]?.patchEquals(key) == true }) {
                out[i] = .object(try mergeMap(out[i].objectValue ?? [:], m, elementMeta))
            } else if let c = cleanNewValue(v) {
                out.append(c)
            }
        }
        return out
    }

    /// Splits `items` into those present in `list` (by merge key, or by value for scalars) and the rest.
    func partition(_ items: [JSONValue], by list: [JSONValue], mergeKey: String) throws -> ([JSONValue], [JSONValue]) {
        var inList: [JSONValue] = [], rest: [JSONValue] = []
        for v in items {
            let found: Bool
            if mergeKey.isEmpty {
                found = list.contains { $0.patchEquals(v) }
            } else {
                guard case .object(let m) = v else { throw PatchErrors.badArgType(expected: "map[string]interface {}", v) }
                guard let key = m[mergeKey] else { throw PatchErrors.noMergeKey(m, mergeKey) }
                found = list.contains { $0.objectValue?[mergeKey]?.patchEquals(key) == true }
            }
            if found { inList.append(v) } else { rest.append(v) }
        }
        return (inList, rest)
    }

    /// Sorts patch items by the patch order and server-only items by their old order, then
    /// interleaves them: a server-only item goes before the first patch item it used to precede.
    func normalizeOrder(_ patchItems: [JSONValue], _ serverOnly: [JSONValue], patchOrder: [JSONValue], serverOrder: [JSONValue],
                        mergeKey: String, kind: JSONValue.Kind) throws -> [JSONValue] {
        let key = kind == .object ? mergeKey : ""
        let right = try sortByOrder(patchItems, patchOrder, mergeKey: key)
        let left = try sortByOrder(serverOnly, serverOrder, mergeKey: key)
        var out: [JSONValue] = []
        var i = 0, j = 0
        while i < left.count || j < right.count {
            if i >= left.count {
                out.append(right[j]); j += 1
            } else if j >= right.count {
                out.append(left[i]); i += 1
            } else {
                let li = index(of: left[i], in: serverOrder, mergeKey: key)
                let ri = index(of: right[j], in: serverOrder, mergeKey: key)
                if let li, let ri, li < ri {
                    out.append(left[i]); i += 1
                } else {
                    out.append(right[j]); j += 1
                }
            }
        }
        return out
    }

    private func sortByOrder(_ items: [JSONValue], _ order: [JSONValue], mergeKey: String) throws -> [JSONValue] {
        var keep = items, deleted: [JSONValue] = []
        if !mergeKey.isEmpty {
            for v in items + order {
                guard case .object(let m) = v else { throw PatchErrors.badArgType(expected: "map[string]interface {}", v) }
                guard m[mergeKey] != nil else { throw PatchErrors.noMergeKey(m, mergeKey) }
            }
            keep = items.filter { $0.objectValue?[Directive.patch]?.stringValue != "delete" }
            deleted = items.filter { $0.objectValue?[Directive.patch]?.stringValue == "delete" }
        }
        let ranked = keep.enumerated().map { (pos: $0.offset, rank: index(of: $0.element, in: order, mergeKey: mergeKey) ?? Int.max, v: $0.element) }
        let sorted = ranked.sorted { $0.rank != $1.rank ? $0.rank < $1.rank : $0.pos < $1.pos }
        return sorted.map(\.v) + deleted
    }

    private func index(of item: JSONValue, in list: [JSONValue], mergeKey: String) -> Int? {
        if mergeKey.isEmpty { return list.firstIndex { $0.patchEquals(item) } }
        let key = item.objectValue?[mergeKey] ?? .null
        return list.firstIndex { ($0.objectValue?[mergeKey] ?? .null).patchEquals(key) }
    }
}
