import TugAPI

/// Reading and rewriting a `JSONValue` at a JSON Pointer, for JSON Patch.
enum JSONTree {
    static func get(_ p: JSONPointer, in doc: JSONValue) -> JSONValue? {
        var cur = doc
        for t in p.tokens {
            switch cur {
            case .object(let o):
                guard let v = o[t] else { return nil }
                cur = v
            case .array(let a):
                guard let i = JSONPointer.index(t), i < a.count else { return nil }
                cur = a[i]
            default:
                return nil
            }
        }
        return cur
    }

    /// RFC 6902 add: sets an object member, inserts into an array (`-` appends), or replaces the root.
    static func add(_ value: JSONValue, at p: JSONPointer, in doc: JSONValue) throws -> JSONValue {
        try edit(doc, p.tokens[...], p) { container, token in
            switch container {
            case .object(var o):
                o[token] = value
                return .object(o)
            case .array(var a):
                if token == "-" {
                    a.append(value)
                } else {
                    guard let i = JSONPointer.index(token) else {
                        throw PatchErrors.unprocessable("add operation does not apply: \(token) is not an array index in \(p)", field: p.description)
                    }
                    guard i <= a.count else {
                        throw PatchErrors.unprocessable("add operation does not apply: index \(i) is out of bounds for the list at \(p.parentDescription) (\(a.count) items)", field: p.description)
                    }
                    a.insert(value, at: i)
                }
                return .array(a)
            default:
                throw PatchErrors.unprocessable("add operation does not apply: doc is missing path: \(p)", field: p.description)
            }
        } root: { value }
    }

    static func replace(_ value: JSONValue, at p: JSONPointer, in doc: JSONValue) throws -> JSONValue {
        try edit(doc, p.tokens[...], p) { container, token in
            switch container {
            case .object(var o):
                o[token] = value
                return .object(o)
            case .array(var a):
                guard let i = JSONPointer.index(token), i < a.count else {
                    throw PatchErrors.unprocessable("replace operation does not apply: doc is missing path: \(p)", field: p.description)
                }
                a[i] = value
                return .array(a)
            default:
                throw PatchErrors.unprocessable("replace operation does not apply: doc is missing path: \(p)", field: p.description)
            }
        } root: { value }
    }

    /// Removes the value at `p` and returns it with the new document.
    static func remove(at p: JSONPointer, in doc: JSONValue, op: String) throws -> (doc: JSONValue, removed: JSONValue) {
        var removed: JSONValue = .null
        let missing = PatchErrors.unprocessable("\(op) operation does not apply: doc is missing path: \(p)", field: p.description)
        let out = try edit(doc, p.tokens[...], p) { container, token in
            switch container {
            case .object(var o):
                guard let v = o.removeValue(forKey: token) else { throw missing }
                removed = v
                return .object(o)
            case .array(var a):
                guard let i = JSONPointer.index(token), i < a.count else { throw missing }
                removed = a.remove(at: i)
                return .array(a)
            default:
                throw missing
            }
        } root: {
            throw PatchErrors.unprocessable("\(op) operation does not apply: the whole document cannot be removed", field: "")
        }
        return (out, removed)
    }

    /// Walks to the parent of the last token and lets `change` rewrite that container.
    private static func edit(_ node: JSONValue, _ tokens: ArraySlice<String>, _ p: JSONPointer,
                             change: (JSONValue, String) throws -> JSONValue,
                             root: () throws -> JSONValue) throws -> JSONValue {
        guard let first = tokens.first else { return try root() }
        if tokens.count == 1 { return try change(node, first) }
        let rest = tokens.dropFirst()
        switch node {
        case .object(var o):
            guard let child = o[first] else {
                throw PatchErrors.unprocessable("doc is missing path: \(p)", field: p.description)
            }
            o[first] = try edit(child, rest, p, change: change, root: root)
            return .object(o)
        case .array(var a):
            guard let i = JSONPointer.index(first), i < a.count else {
                throw PatchErrors.unprocessable("doc is missing path: \(p)", field: p.description)
            }
            a[i] = try edit(a[i], rest, p, change: change, root: root)
            return .array(a)
        default:
            throw PatchErrors.unprocessable("doc is missing path: \(p)", field: p.description)
        }
    }
}
