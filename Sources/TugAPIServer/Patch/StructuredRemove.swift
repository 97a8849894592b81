import TugAPI

/// Removes the fields of a set from a value (pruning what an applier stopped applying).
/// Members remove whole fields or items; children descend. Emptied maps and lists disappear.
enum StructuredRemove {
    static func remove(_ set: FieldSet, from value: JSONValue, _ meta: (any PatchMeta)?) -> JSONValue {
        remove(value, set, meta, []) ?? .object([:])
    }

    private static func remove(_ v: JSONValue, _ set: FieldSet, _ meta: (any PatchMeta)?, _ path: FieldPath) -> JSONValue? {
        switch v {
        case .object(let o):
            if o.isEmpty || TypedWalk.isAtomicMap(meta) { return v }
            var out: [String: JSONValue] = [:]
            for (k, x) in o {
                let pe = PathElement.field(k)
                if set.members.contains(pe) { continue }
                if let sub = set.children[pe] {
                    if let y = remove(x, sub, meta?.child(k), path + [pe]) { out[k] = y }
                } else {
                    out[k] = x
                }
            }
            return out.isEmpty ? nil : .object(out)
        case .array(let a):
            let list = TypedWalk.listType(meta)
            if a.isEmpty || list == .atomic { return v }
            var out: [JSONValue] = []
            for item in a {
                guard let pe = try? TypedWalk.itemElement(item, list, meta, at: path) else {
                    out.append(item)
                    continue
                }
                if set.members.contains(pe) { continue }
                if let sub = set.children[pe] {
                    if let y = remove(item, sub, meta?.listElement(), path + [pe]) { out.append(y) }
                } else {
                    out.append(item)
                }
            }
            return out.isEmpty ? nil : .array(out)
        default:
            return v
        }
    }
}
