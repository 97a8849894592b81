import TugAPI

/// `$retainKeys` and `$setElementOrder/<list>`, the map-level directives that run before the
/// ordinary keys of a patch map are merged.
extension StrategicMerger {
    /// `$retainKeys: [a, b]` clears every other key of the original map; the patch itself may only
    /// set keys from that list.
    func applyRetainKeys(_ original: inout [String: JSONValue], _ patch: inout [String: JSONValue]) throws {
        guard let directive = patch.removeValue(forKey: Directive.retainKeys) else { return }
        guard case .array(let list) = directive else { throw PatchErrors.badRetainKeysFormat }
        let keep = Set(list.compactMap(\.stringValue))
        for (k, v) in patch where !v.isNull && !k.hasPrefix(Directive.deleteFromPrimitiveList) && !k.hasPrefix(Directive.setElementOrder) {
            guard keep.contains(k) else { throw PatchErrors.badRetainKeysFormat }
        }
        original = original.filter { keep.contains($0.key) }
    }

    /// `$setElementOrder/<list>` gives the final order of the items the patch knows about; merges
    /// that list now and orders it, items only the server had keep their place relative to it.
    func mergeOrderedLists(_ original: inout [String: JSONValue], _ patch: inout [String: JSONValue], _ meta: (any PatchMeta)?) throws {
        for key in patch.keys.sorted() where key.hasPrefix(Directive.setElementOrder) {
            let orderValue = patch.removeValue(forKey: key)!
            guard case .array(let order) = orderValue else {
                throw PatchErrors.badArgType(expected: "[]interface {}", orderValue)
            }
            let field = try extractKey(key, prefix: Directive.setElementOrder)
            let originalList = try original[field].map { try listValue($0) }
            let patchList = try patch[field].map { try listValue($0) }
            let listMeta = meta?.child(field)
            let mergeKey = listMeta?.mergeKey ?? ""
            try validateOrder(patchList ?? [], order, mergeKey: mergeKey)

            var merged: [JSONValue]
            switch (originalList, patchList) {
            case (let o?, nil): merged = o
            case (nil, let p?): merged = cleanNewValue(.array(p))?.arrayValue ?? []
            case (let o?, let p?): merged = try mergeListField(o, p, listMeta, isDeleteList: false)
            case (nil, nil): continue
            }
            patch.removeValue(forKey: field)
            let all = (originalList ?? []) + (patchList ?? [])
            guard !all.isEmpty else {
                original[field] = .array(merged)
                continue
            }
            let kind = try elementKind(all)
            let (ordered, serverOnly) = try partition(merged, by: order, mergeKey: kind == .object ? mergeKey : "")
            original[field] = .array(try normalizeOrder(ordered, serverOnly, patchOrder: order, serverOrder: originalList ?? [],
                                                        mergeKey: mergeKey, kind: kind))
        }
    }

    private func listValue(_ v: JSONValue) throws -> [JSONValue] {
        guard case .array(let a) = v else { throw PatchErrors.badArgType(expected: "[]interface {}", v) }
        return a
    }

    /// Every item of the patch list (deletions aside) must appear in the order list, in the same
    /// relative order.
    private func validateOrder(_ patchList: [JSONValue], _ order: [JSONValue], mergeKey: String) throws {
        guard !order.isEmpty, !patchList.isEmpty else { return }
        var items = patchList
        if !mergeKey.isEmpty {
            items = try patchList.filter { item in
                guard case .object(let m) = item else { throw PatchErrors.badArgType(expected: "map[string]interface {}", item) }
                return m[Directive.patch]?.stringValue != "delete"
            }
        }
        var pi = 0, oi = 0
        while pi < items.count && oi < order.count {
            if items[pi].objectValue?[Directive.patch] != nil {
                pi += 1
                continue
            }
            if try mergeKeyEqual(items[pi], order[oi], mergeKey: mergeKey) { pi += 1 }
            oi += 1
        }
        if pi < items.count && oi >= order.count {
            throw PatchErrors.badRequest("The order in patch list:\n\(JSONValue.array(patchList).goDescription)\n doesn't match \(Directive.setElementOrder) list:\n\(JSONValue.array(order).goDescription)\n")
        }
    }

    private func mergeKeyEqual(_ a: JSONValue, _ b: JSONValue, mergeKey: String) throws -> Bool {
        if mergeKey.isEmpty { return a.patchEquals(b) }
        guard case .object(let l) = a else { throw PatchErrors.badArgType(expected: "map[string]interface {}", a) }
        guard case .object(let r) = b else { throw PatchErrors.badArgType(expected: "map[string]interface {}", b) }
        guard let lv = l[mergeKey] else { throw PatchErrors.noMergeKey(l, mergeKey) }
        guard let rv = r[mergeKey] else { throw PatchErrors.noMergeKey(r, mergeKey) }
        return lv.patchEquals(rv)
    }
}
