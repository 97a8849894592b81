import TugAPI

/// Strategic merge patch (`application/strategic-merge-patch+json`), applied as Kubernetes'
/// `strategicpatch` package applies it: maps merge recursively, `null` deletes, lists whose field
/// has `patchStrategy: merge` merge by their `patchMergeKey` (or as sets of scalars), other lists
/// are replaced, and the directives `$patch` (delete, replace; merge on maps), `$retainKeys`,
/// `$setElementOrder/<list>` and `$deleteFromPrimitiveList/<list>` are honoured.
///
/// With a nil `PatchMeta` (unknown types) it degrades to JSON merge patch semantics.
public enum StrategicMergePatch {
    public static func apply(_ patch: JSONValue, to original: JSONValue, meta: (any PatchMeta)?) throws -> JSONValue {
        guard case .object(let p) = patch else {
            throw PatchErrors.badRequest("json: cannot unmarshal \(patch.goJSONTypeName) into Go value of type map[string]interface {}")
        }
        return .object(try StrategicMerger().mergeMap(original.objectValue ?? [:], p, meta))
    }
}

enum Directive {
    static let patch = "$patch"
    static let retainKeys = "$retainKeys"
    static let setElementOrder = "$setElementOrder"
    static let deleteFromPrimitiveList = "$deleteFromPrimitiveList"

    /// True for keys that only steer the merge and never land in the object.
    static func isDirectiveKey(_ key: String) -> Bool {
        key == patch || key == retainKeys || key.hasPrefix(setElementOrder) || key.hasPrefix(deleteFromPrimitiveList)
    }
}

/// The merge itself; see `StrategicMergePatch`.
struct StrategicMerger {
    func mergeMap(_ originalIn: [String: JSONValue], _ patchIn: [String: JSONValue], _ meta: (any PatchMeta)?) throws -> [String: JSONValue] {
        var patch = patchIn
        if let directive = patch[Directive.patch] {
            // `merge` is the default spelled out; Kubernetes refuses it, accepting it costs nothing.
            guard directive.stringValue == "merge" else { return try mapDirective(directive, patch) }
            patch.removeValue(forKey: Directive.patch)
        }
        var original = originalIn
        try applyRetainKeys(&original, &patch)
        try mergeOrderedLists(&original, &patch, meta)

        // Deletions from primitive lists run last so they see the merged list.
        let keys = patch.keys.sorted { a, b in
            let da = a.hasPrefix(Directive.deleteFromPrimitiveList), db = b.hasPrefix(Directive.deleteFromPrimitiveList)
            return da == db ? a < b : !da
        }
        for rawKey in keys {
            let patchV = patch[rawKey]!
            var key = rawKey
            var isDeleteList = false
            if rawKey.hasPrefix(Directive.deleteFromPrimitiveList) {
                key = try extractKey(rawKey, prefix: Directive.deleteFromPrimitiveList)
                isDeleteList = true
            }
            if patchV.isNull {
                original.removeValue(forKey: key)
                continue
            }
            guard let origV = original[key] else {
                if !isDeleteList { original[key] = cleanNewValue(patchV) }
                continue
            }
            switch (origV, patchV) {
            case (.object(let o), .object(let p)):
                let childMeta = meta?.child(key)
                if childMeta?.strategy.contains(.replace) == true {
                    original[key] = cleanNewValue(.object(p.filter { $0.key != Directive.patch }))
                } else {
                    original[key] = .object(try mergeMap(o, p, childMeta))
                }
            case (.array(let o), .array(let p)):
                original[key] = .array(try mergeListField(o, p, meta?.child(key), isDeleteList: isDeleteList))
            default:
                if !isDeleteList { original[key] = cleanNewValue(patchV) }
            }
        }
        return original
    }

    /// `$patch` inside a map: `replace` takes the patch as the whole value, `delete` empties it.
    private func mapDirective(_ directive: JSONValue, _ patch: [String: JSONValue]) throws -> [String: JSONValue] {
        switch directive.stringValue {
        case "replace":
            var p = patch
            p.removeValue(forKey: Directive.patch)
            return cleanNewValue(.object(p))?.objectValue ?? [:]
        case "delete":
            return [:]
        default:
            throw PatchErrors.badPatchType(directive, patch)
        }
    }

    /// The list field named in a `$setElementOrder/x` or `$deleteFromPrimitiveList/x` key.
    func extractKey(_ key: String, prefix: String) throws -> String {
        let parts = key.split(separator: "/", maxSplits: 1, omittingEmptySubsequences: false)
        guard parts.count == 2, parts[0] == prefix else {
            throw prefix == Directive.deleteFromPrimitiveList ? PatchErrors.badPrimitiveListFormat : PatchErrors.badSetElementOrderFormat
        }
        return String(parts[1])
    }

    /// A patch value taken whole (the original had nothing there): nulls and directives go,
    /// a map marked `$patch: delete` disappears. Returns nil when nothing is left to store.
    func cleanNewValue(_ v: JSONValue) -> JSONValue? {
        switch v {
        case .object(let o):
            if let d = o[Directive.patch] {
                // Kubernetes drops any marked map here; `replace` and `merge` keep their content, as they ask.
                guard d.stringValue == "replace" || d.stringValue == "merge" else { return nil }
            }
            var out: [String: JSONValue] = [:]
            for (k, x) in o where !x.isNull && !Directive.isDirectiveKey(k) {
                if let c = cleanNewValue(x) { out[k] = c }
            }
            return .object(out)
        case .array(let a):
            return .array(a.compactMap { $0.isNull ? $0 : cleanNewValue($0) })
        default:
            return v
        }
    }
}
