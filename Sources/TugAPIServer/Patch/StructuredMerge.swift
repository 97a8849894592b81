import TugAPI

/// Merges an applied configuration into a live object as server-side apply does: the applied
/// value wins at every leaf, maps merge key by key, list-maps and sets merge item by item
/// (keeping the applied order for the items it names), atomic lists and maps are replaced.
enum StructuredMerge {
    static func merge(_ live: JSONValue, _ applied: JSONValue, _ meta: (any PatchMeta)?) throws -> JSONValue {
        let merged = try merge(live, applied, meta, []) ?? .object([:])
        return dropNullFields(merged)
    }

    private static func merge(_ l: JSONValue?, _ r: JSONValue?, _ meta: (any PatchMeta)?, _ path: FieldPath) throws -> JSONValue? {
        guard let r else { return l }
        if TypedWalk.isGranularMap(l, r, meta), case .object(let ro) = r {
            let lo = l?.objectValue ?? [:]
            var out: [String: JSONValue] = [:]
            for k in Set(lo.keys).union(ro.keys) {
                if let v = try merge(lo[k], ro[k], meta?.child(k), path + [.field(k)]) { out[k] = v }
            }
            return out.isEmpty ? nil : .object(out)
        }
        if TypedWalk.isGranularList(l, r, meta), case .array(let ra) = r {
            return try mergeList(l?.arrayValue ?? [], ra, meta, path)
        }
        return r
    }

    /// Items of both lists, in the applied list's order, with live-only items kept where they were.
    private static func mergeList(_ lhs: [JSONValue], _ rhs: [JSONValue], _ meta: (any PatchMeta)?, _ path: FieldPath) throws -> JSONValue? {
        let rPEs = try TypedWalk.itemElements(rhs, meta, at: path)
        let lPEs = try TypedWalk.itemElements(lhs, meta, at: path)
        var rMap: [PathElement: JSONValue] = [:]
        for (pe, v) in zip(rPEs, rhs) {
            guard rMap[pe] == nil else { throw TypedWalk.typedError(path, "duplicate entries for key \(pe)") }
            rMap[pe] = v
        }
        var lMap: [PathElement: JSONValue] = [:]
        for (pe, v) in zip(lPEs, lhs) where lMap[pe] == nil { lMap[pe] = v }

        var shared = rPEs.filter { lMap[$0] != nil }[...]
        var nextShared = shared.popFirst()
        var mergedRHS = Set<PathElement>()
        var out: [JSONValue] = []
        let elem = meta?.listElement()
        var li = 0, ri = 0
        while li < lPEs.count || ri < rPEs.count {
            if li < lPEs.count && ri < rPEs.count {
                let pe = lPEs[li]
                if pe == rPEs[ri] {
                    mergedRHS.insert(pe)
                    if let v = try merge(lMap[pe], rMap[pe], elem, path + [pe]) { out.append(v) }
                    li += 1; ri += 1
                    nextShared = shared.popFirst()
                    continue
                }
                // A shared item the applied list places later: emit it when the applied list gets there.
                if rMap[pe] != nil, let next = nextShared, next != pe {
                    li += 1
                    continue
                }
            }
            if li < lPEs.count {
                let pe = lPEs[li]
                if rMap[pe] == nil {
                    out.append(lhs[li])
                    li += 1
                    continue
                } else if mergedRHS.contains(pe) {
                    li += 1
                }
            }
            if ri < rPEs.count {
                let pe = rPEs[ri]
                mergedRHS.insert(pe)
                if let v = try merge(lMap[pe], rMap[pe], elem, path + [pe]) { out.append(v) }
                ri += 1
                if nextShared == pe { nextShared = shared.popFirst() }
            }
        }
        return out.isEmpty ? nil : .array(out)
    }

    /// `null` in an applied configuration means "unset": such fields do not stay in the object.
    static func dropNullFields(_ v: JSONValue) -> JSONValue {
        switch v {
        case .object(let o):
            var out: [String: JSONValue] = [:]
            for (k, x) in o where !x.isNull { out[k] = dropNullFields(x) }
            return .object(out)
        case .array(let a):
            return .array(a.map(dropNullFields))
        default:
            return v
        }
    }
}
