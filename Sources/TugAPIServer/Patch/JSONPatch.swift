import TugAPI

/// RFC 6902 JSON Patch (`application/json-patch+json`): a list of add, remove, replace, move,
/// copy and test operations applied in order. Like kube-apiserver, a body that is not a list of
/// operations is a 400, more than 10,000 operations a 413, and an operation that cannot be
/// applied (missing path, index out of range, failed test) a 422.
public enum JSONPatch {
    public static let maxOperations = 10_000

    public static func apply(_ patch: JSONValue, to document: JSONValue) throws -> JSONValue {
        guard case .array(let ops) = patch else {
            throw PatchErrors.badRequest("json: cannot unmarshal \(patch.goJSONTypeName) into Go value of type jsonpatch.Patch")
        }
        var objects: [[String: JSONValue]] = []
        for op in ops {
            guard case .object(let o) = op else {
                throw PatchErrors.badRequest("json: cannot unmarshal \(op.goJSONTypeName) into Go value of type jsonpatch.Operation")
            }
            objects.append(o)
        }
        if objects.count > maxOperations {
            throw APIError.tooLarge("The allowed maximum operations in a JSON patch is \(maxOperations), got \(objects.count)")
        }
        var doc = document
        for o in objects {
            doc = try JSONPatchOperation(o).apply(to: doc)
        }
        return doc
    }
}

/// One decoded operation of a JSON Patch.
struct JSONPatchOperation {
    let op: String
    let path: JSONPointer
    let from: JSONPointer?
    let value: JSONValue?

    init(_ o: [String: JSONValue]) throws {
        guard let op = o["op"]?.stringValue else {
            throw PatchErrors.unprocessable("operation is missing the \"op\" member: \(JSONValue.object(o).goJSON)")
        }
        self.op = op
        guard let p = o["path"]?.stringValue else {
            throw PatchErrors.unprocessable("\(op) operation is missing the \"path\" member")
        }
        path = try JSONPointer(p)
        from = try o["from"]?.stringValue.map(JSONPointer.init)
        value = o["value"]
    }

    func apply(to doc: JSONValue) throws -> JSONValue {
        switch op {
        case "add":
            return try JSONTree.add(requireValue(), at: path, in: doc)
        case "remove":
            return try JSONTree.remove(at: path, in: doc, op: op).doc
        case "replace":
            _ = try existing(path, in: doc)
            return try JSONTree.replace(requireValue(), at: path, in: doc)
        case "move":
            let src = try requireFrom()
            if src == path { _ = try existing(src, in: doc); return doc }
            if path.isProperChild(of: src) {
                throw PatchErrors.unprocessable("move operation cannot move \(src) into its own child \(path)", field: path.description)
            }
            let (rest, moved) = try JSONTree.remove(at: src, in: doc, op: op)
            return try JSONTree.add(moved, at: path, in: rest)
        case "copy":
            let src = try requireFrom()
            return try JSONTree.add(existing(src, in: doc), at: path, in: doc)
        case "test":
            let expected = try requireValue()
            guard let actual = JSONTree.get(path, in: doc), actual.patchEquals(expected) else {
                throw PatchErrors.unprocessable("testing value \(path) failed: test failed", field: path.description)
            }
            return doc
        default:
            throw PatchErrors.unprocessable("Unexpected kind: \(op)")
        }
    }

    private func requireValue() throws -> JSONValue {
        guard let v = value else {
            throw PatchErrors.unprocessable("\(op) operation is missing the \"value\" member", field: path.description)
        }
        return v
    }

    private func requireFrom() throws -> JSONPointer {
        guard let f = from else {
            throw PatchErrors.unprocessable("\(op) operation is missing the \"from\" member", field: path.description)
        }
        return f
    }

    private func existing(_ p: JSONPointer, in doc: JSONValue) throws -> JSONValue {
        guard let v = JSONTree.get(p, in: doc) else {
            throw PatchErrors.unprocessable("\(op) operation does not apply: doc is missing path: \(p)", field: p.description)
        }
        return v
    }
}
