import TugAPI

/// The schema questions server-side apply asks at each position of an object, answered from an
/// optional `PatchMeta` (nil: unknown type, where maps are granular and lists atomic).
enum TypedWalk {
    /// Apply's list semantics at a position.
    static func listType(_ meta: (any PatchMeta)?) -> ListType {
        meta?.listType ?? .atomic
    }

    static func isAtomicMap(_ meta: (any PatchMeta)?) -> Bool {
        meta?.isAtomic ?? false
    }

    /// The meta of whatever `pe` leads to below `meta`.
    static func child(_ meta: (any PatchMeta)?, _ pe: PathElement) -> (any PatchMeta)? {
        if case .field(let f) = pe { return meta?.child(f) }
        return meta?.listElement()
    }

    /// The path element naming one item of a set or list-map: `[="x"]` or `[name="web"]`.
    static func itemElement(_ item: JSONValue, _ list: ListType, _ meta: (any PatchMeta)?, at path: FieldPath) throws -> PathElement {
        switch list {
        case .atomic:
            throw typedError(path, "invalid indexing of non-associative list")
        case .set:
            switch item {
            case .object: throw typedError(path, "associative list without keys has an element that's a map type")
            case .array: throw typedError(path, "not supported: associative list with lists as elements")
            case .null: throw typedError(path, "associative list without keys has an element that's an explicit null")
            default: return .value(item.normalizedNumbers)
            }
        case .map(let keys):
            guard !item.isNull else { throw typedError(path, "associative list with keys may not have a null element") }
            guard case .object(let o) = item else { throw typedError(path, "associative list with keys may not have non-map elements") }
            let defaults = meta?.keyDefaults ?? [:]
            var fields: [(String, JSONValue)] = []
            for k in keys {
                if let v = o[k] { fields.append((k, v)) } else if let d = defaults[k] { fields.append((k, d)) }
            }
            if fields.isEmpty {
                let quoted = keys.map { JSONValue.goQuoted($0) }.joined(separator: " ")
                throw typedError(path, "associative list with keys has an element that omits all key fields [\(quoted)] (and doesn't have default values for any key fields)")
            }
            return PathElement.makeKey(fields)
        }
    }

    /// The elements of every item of a non-atomic list, in order.
    static func itemElements(_ items: [JSONValue], _ meta: (any PatchMeta)?, at path: FieldPath) throws -> [PathElement] {
        let list = listType(meta)
        return try items.enumerated().map { i, item in
            do { return try itemElement(item, list, meta, at: path) } catch let e as APIError {
                throw APIError.badRequest(e.message.replacingOccurrences(of: "\(path.pathString): ", with: "\(path.pathString): element \(i): "))
            }
        }
    }

    static func typedError(_ path: FieldPath, _ message: String) -> APIError {
        APIError.badRequest(path.isEmpty ? message : "\(path.pathString): \(message)")
    }

    /// Whether a value is walked field by field (true) or compared and replaced as one leaf.
    static func isGranularMap(_ l: JSONValue?, _ r: JSONValue?, _ meta: (any PatchMeta)?) -> Bool {
        guard !isAtomicMap(meta) else { return false }
        switch (l, r) {
        case (.object(let a)?, .object(let b)?): return !(a.isEmpty && b.isEmpty)
        case (.object(let a)?, nil), (nil, .object(let a)?): return !a.isEmpty
        default: return false
        }
    }

    static func isGranularList(_ l: JSONValue?, _ r: JSONValue?, _ meta: (any PatchMeta)?) -> Bool {
        guard listType(meta) != .atomic else { return false }
        switch (l, r) {
        case (.array(let a)?, .array(let b)?): return !(a.isEmpty && b.isEmpty)
        case (.array(let a)?, nil), (nil, .array(let a)?): return !a.isEmpty
        default: return false
        }
    }
}
