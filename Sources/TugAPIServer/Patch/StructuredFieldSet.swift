import TugAPI

/// The set of fields a value sets, as server-side apply records it: every leaf, every list item
/// (`k:`/`v:` members), atomic lists and maps as single leaves, map entries as members.
enum StructuredFieldSet {
    static func of(_ value: JSONValue, _ meta: (any PatchMeta)?) throws -> FieldSet {
        var set = FieldSet()
        try walk(value, meta, [], &set)
        return set
    }

    private static func walk(_ v: JSONValue, _ meta: (any PatchMeta)?, _ path: FieldPath, _ set: inout FieldSet) throws {
        switch v {
        case .object(let o):
            if TypedWalk.isAtomicMap(meta) { set.insert(path); return }
            for (k, x) in o {
                let p = path + [.field(k)]
                try walk(x, meta?.child(k), p, &set)
                // Struct fields are implied by what is below them; map entries and empty values are not.
                if x.isNull || x == .object([:]) || !(meta?.isNamedField(k) ?? false) { set.insert(p) }
            }
        case .array(let a):
            guard TypedWalk.listType(meta) != .atomic else { set.insert(path); return }
            let pes = try TypedWalk.itemElements(a, meta, at: path)
            var counts: [PathElement: Int] = [:]
            for pe in pes { counts[pe, default: 0] += 1 }
            for (pe, n) in counts where n > 1 { set.insert(path + [pe]) }
            for (item, pe) in zip(a, pes) where counts[pe] == 1 {
                try walk(item, meta?.listElement(), path + [pe], &set)
                set.insert(path + [pe])
            }
        default:
            set.insert(path)
        }
    }

    /// Adds the struct fields that are only implied by their children as members, so removing
    /// by set also removes them (`a.b.c` also owns `a` when `a` is a struct field).
    static func ensureNamedFieldsAreMembers(_ s: FieldSet, _ meta: (any PatchMeta)?) -> FieldSet {
        var out = FieldSet()
        out.members = s.members
        for (pe, c) in s.children {
            if case .field(let f) = pe, meta?.isNamedField(f) == true { out.members.insert(pe) }
            out.children[pe] = ensureNamedFieldsAreMembers(c, TypedWalk.child(meta, pe))
        }
        return out
    }
}
