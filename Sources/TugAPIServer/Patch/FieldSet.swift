import TugAPI

/// A set of field paths, as server-side apply records ownership: `members` are the paths that end
/// here, `children` the subtrees below. Serialized as `FieldsV1` (`{"f:spec":{"f:replicas":{}}}`).
public struct FieldSet: Hashable, Sendable {
    public var members: Set<PathElement> = []
    /// Never holds an empty set.
    public var children: [PathElement: FieldSet] = [:]

    public init() {}

    public init(paths: [FieldPath]) {
        for p in paths { insert(p) }
    }

    public var isEmpty: Bool { members.isEmpty && children.isEmpty }

    public mutating func insert(_ path: FieldPath) {
        insert(path[...])
    }

    private mutating func insert(_ path: ArraySlice<PathElement>) {
        guard let first = path.first else { return }
        if path.count == 1 {
            members.insert(first)
        } else {
            children[first, default: FieldSet()].insert(path.dropFirst())
        }
    }

    /// Inserts `path` with `subtree` (paths relative to it) below it.
    public mutating func insert(_ path: FieldPath, subtree: FieldSet) {
        insert(path[...], subtree: subtree)
    }

    private mutating func insert(_ path: ArraySlice<PathElement>, subtree: FieldSet) {
        guard let first = path.first else {
            self = union(subtree)
            return
        }
        if path.count == 1 {
            members.insert(first)
            if !subtree.isEmpty { children[first] = children[first].map { $0.union(subtree) } ?? subtree }
        } else {
            children[first, default: FieldSet()].insert(path.dropFirst(), subtree: subtree)
        }
    }

    public func contains(_ path: FieldPath) -> Bool {
        guard let first = path.first else { return false }
        if path.count == 1 { return members.contains(first) }
        return children[first]?.contains(Array(path.dropFirst())) ?? false
    }

    /// The subtree below one element (empty when there is none).
    public func child(_ pe: PathElement) -> FieldSet { children[pe] ?? FieldSet() }

    public func union(_ other: FieldSet) -> FieldSet {
        var out = self
        out.members.formUnion(other.members)
        for (pe, c) in other.children {
            out.children[pe] = out.children[pe].map { $0.union(c) } ?? c
        }
        return out
    }

    public func subtracting(_ other: FieldSet) -> FieldSet {
        var out = FieldSet()
        out.members = members.subtracting(other.members)
        for (pe, c) in children {
            let d = other.children[pe].map { c.subtracting($0) } ?? c
            if !d.isEmpty { out.children[pe] = d }
        }
        return out
    }

    public func intersection(_ other: FieldSet) -> FieldSet {
        var out = FieldSet()
        out.members = members.intersection(other.members)
        for (pe, c) in children {
            guard let o = other.children[pe] else { continue }
            let i = c.intersection(o)
            if !i.isEmpty { out.children[pe] = i }
        }
        return out
    }

    /// Drops every path that starts with one of `prefixes` (the paths themselves included).
    public func removingPrefixes(_ prefixes: [FieldPath]) -> FieldSet {
        var out = self
        for p in prefixes where !p.isEmpty { out.removePrefix(p[...]) }
        return out
    }

    private mutating func removePrefix(_ p: ArraySlice<PathElement>) {
        let first = p.first!
        if p.count == 1 {
            members.remove(first)
            children.removeValue(forKey: first)
            return
        }
        guard var c = children[first] else { return }
        c.removePrefix(p.dropFirst())
        children[first] = c.isEmpty ? nil : c
    }

    /// Every path, sorted (a member before the paths below it).
    public var paths: [FieldPath] {
        var out: [FieldPath] = []
        collect([], into: &out)
        return out
    }

    private func collect(_ prefix: FieldPath, into out: inout [FieldPath]) {
        for pe in Set(members).union(children.keys).sorted() {
            if members.contains(pe) { out.append(prefix + [pe]) }
            children[pe]?.collect(prefix + [pe], into: &out)
        }
    }
}

extension FieldSet {
    /// The `FieldsV1` form: each element a key, `{}` for a leaf, `".": {}` marking a member that
    /// also has children.
    public var fieldsV1: JSONValue { .object(encode(includeSelf: false)) }

    private func encode(includeSelf: Bool) -> [String: JSONValue] {
        var o: [String: JSONValue] = [:]
        if includeSelf { o["."] = .object([:]) }
        for pe in members where children[pe] == nil { o[pe.fieldsV1Key] = .object([:]) }
        for (pe, c) in children { o[pe.fieldsV1Key] = .object(c.encode(includeSelf: members.contains(pe))) }
        return o
    }

    /// Reads `FieldsV1`; unknown element types are skipped as Kubernetes skips them.
    public init(fieldsV1: JSONValue) throws {
        guard case .object(let o) = fieldsV1 else { throw FieldsV1Error("FieldsV1 must be a JSON object") }
        self = try FieldSet.decode(o).children
    }

    private static func decode(_ o: [String: JSONValue]) throws -> (children: FieldSet, isMember: Bool) {
        var set = FieldSet()
        var isMember = false
        for (k, v) in o {
            if k == "." { isMember = true; continue }
            guard let pe = try PathElement.parse(fieldsV1Key: k) else { continue }
            guard case .object(let sub) = v else { throw FieldsV1Error("value of \(k) must be a JSON object") }
            let (grand, childIsMember) = try decode(sub)
            if childIsMember { set.members.insert(pe) }
            if !grand.isEmpty { set.children[pe] = grand }
        }
        // A node without children is a leaf, hence a member.
        if set.isEmpty { isMember = true }
        return (set, isMember)
    }
}
