import TugAPI

/// What changed between two versions of an object, as field sets: ownership moves with
/// `modified` and `added`, and fields in `removed` are no longer anyone's.
struct Comparison {
    var added = FieldSet()
    var modified = FieldSet()
    var removed = FieldSet()

    func filtered(_ reset: ResetFields) -> Comparison {
        Comparison(added: reset.filter(added), modified: reset.filter(modified), removed: reset.filter(removed))
    }

    static func between(_ old: JSONValue, _ new: JSONValue, _ meta: (any PatchMeta)?) throws -> Comparison {
        var c = Comparison()
        try c.compare(old, new, meta, [])
        return c
    }

    private mutating func compare(_ l: JSONValue?, _ r: JSONValue?, _ meta: (any PatchMeta)?, _ path: FieldPath) throws {
        // A side that is missing makes the whole subtree added or removed: built below the
        // node in one pass (a create adds every field), then inserted once.
        guard let l else {
            if let r { added.insert(path, subtree: try Self.tree(below: r, meta, path)) }
            return
        }
        guard let r else {
            removed.insert(path, subtree: try Self.tree(below: l, meta, path))
            return
        }
        if TypedWalk.isGranularMap(l, r, meta) {
            let lo = l.objectValue ?? [:], ro = r.objectValue ?? [:]
            for k in Set(lo.keys).union(ro.keys) {
                try compare(lo[k], ro[k], meta?.child(k), path + [.field(k)])
            }
        } else if TypedWalk.isGranularList(l, r, meta) {
            try compareLists(l.arrayValue ?? [], r.arrayValue ?? [], meta, path)
        } else if !l.patchEquals(r) {
            modified.insert(path)
        }
    }

    /// Every path below `v`, relative to it, as comparing it with nothing records them: each
    /// map entry and list item, with what is below it (not below items whose key repeats).
    static func tree(below v: JSONValue, _ meta: (any PatchMeta)?, _ path: FieldPath) throws -> FieldSet {
        var out = FieldSet()
        if TypedWalk.isGranularMap(nil, v, meta) {
            for (k, x) in v.objectValue ?? [:] {
                let pe = PathElement.field(k)
                out.members.insert(pe)
                let below = try tree(below: x, meta?.child(k), path + [pe])
                if !below.isEmpty { out.children[pe] = below }
            }
        } else if TypedWalk.isGranularList(nil, v, meta) {
            let items = v.arrayValue ?? []
            let elements = try TypedWalk.itemElements(items, meta, at: path)
            var counts: [PathElement: Int] = [:]
            for pe in elements { counts[pe, default: 0] += 1 }
            let elem = meta?.listElement()
            for (item, pe) in zip(items, elements) {
                out.members.insert(pe)
                guard counts[pe] == 1 else { continue }
                let below = try tree(below: item, elem, path + [pe])
                if !below.isEmpty { out.children[pe] = below }
            }
        }
        return out
    }

    private mutating func compareLists(_ lhs: [JSONValue], _ rhs: [JSONValue], _ meta: (any PatchMeta)?, _ path: FieldPath) throws {
        let lPEs = try TypedWalk.itemElements(lhs, meta, at: path)
        let rPEs = try TypedWalk.itemElements(rhs, meta, at: path)
        var lValues: [PathElement: [JSONValue]] = [:], rValues: [PathElement: [JSONValue]] = [:]
        var all: [PathElement] = []
        for (pe, v) in zip(lPEs, lhs) {
            if lValues[pe] == nil { all.append(pe) }
            lValues[pe, default: []].append(v)
        }
        for (pe, v) in zip(rPEs, rhs) {
            if rValues[pe] == nil && lValues[pe] == nil { all.append(pe) }
            rValues[pe, default: []].append(v)
        }
        let elem = meta?.listElement()
        for pe in all {
            let ls = lValues[pe] ?? [], rs = rValues[pe] ?? []
            let p = path + [pe]
            if ls.count <= 1 && rs.count <= 1 {
                try compare(ls.first, rs.first, elem, p)
            } else if ls.count >= 2 && rs.count >= 2 {
                if ls.count != rs.count || !zip(ls, rs).allSatisfy({ $0.patchEquals($1) }) { modified.insert(p) }
            } else if ls.count >= 2 {
                if let r = rs.first { try compare(nil, r, elem, p) }
                removed.insert(p)
            } else {
                if let l = ls.first { try compare(l, nil, elem, p) }
                added.insert(p)
            }
        }
    }
}

/// Fields a manager never owns through one endpoint, as Kubernetes' per-strategy reset fields:
/// `status` through the main resource, `spec` through the status subresource.
public struct ResetFields: Sendable, Hashable {
    /// Prefixes whose fields (the prefix itself included) are dropped.
    public var excluded: [FieldPath]

    public init(excluded: [FieldPath] = []) {
        self.excluded = excluded
    }

    public static let mainResource = ResetFields(excluded: [[.field("status")]])
    public static let statusSubresource = ResetFields(excluded: [[.field("spec")]])
    public static let none = ResetFields()

    func filter(_ s: FieldSet) -> FieldSet {
        s.removingPrefixes(excluded)
    }

    /// `object` without the top-level fields excluded here: comparing them is wasted work when
    /// the result is filtered anyway.
    func trimmed(_ object: JSONValue) -> JSONValue {
        guard case .object(var o) = object else { return object }
        for prefix in excluded {
            if prefix.count == 1, case .field(let name) = prefix[0] { o.removeValue(forKey: name) }
        }
        return .object(o)
    }
}
