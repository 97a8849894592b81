import Foundation
import TugAPI

/// One step of a field path in server-side apply: a field name, the key of an item in a list-map
/// (`[name="web"]`), the value of an item in a set (`[="x"]`), or a list index (`[0]`).
public enum PathElement: Hashable, Sendable, Comparable, CustomStringConvertible {
    case field(String)
    /// Key fields sorted by name, values with normalized numbers.
    case key([KeyField])
    case value(JSONValue)
    case index(Int)

    public struct KeyField: Hashable, Sendable {
        public var name: String
        public var value: JSONValue
        public init(name: String, value: JSONValue) {
            self.name = name
            self.value = value.normalizedNumbers
        }
    }

    /// Builds a key element, sorting the fields by name as Kubernetes does.
    public static func makeKey(_ fields: [(String, JSONValue)]) -> PathElement {
        .key(fields.map { KeyField(name: $0.0, value: $0.1) }.sorted { $0.name < $1.name })
    }

    /// The form used in conflict messages: `.spec`, `[name="web"]`, `[="x"]`, `[0]`.
    public var description: String {
        switch self {
        case .field(let f): return "." + f
        case .key(let k): return "[" + k.map { "\($0.name)=\(PathElement.display($0.value))" }.joined(separator: ",") + "]"
        case .value(let v): return "[=\(PathElement.display(v))]"
        case .index(let i): return "[\(i)]"
        }
    }

    /// The form used as a key in `FieldsV1`: `f:spec`, `k:{"name":"web"}`, `v:"x"`, `i:0`.
    public var fieldsV1Key: String {
        switch self {
        case .field(let f): return "f:" + f
        case .key(let k): return "k:{" + k.map { JSONValue.goQuoted($0.name) + ":" + $0.value.goJSON }.joined(separator: ",") + "}"
        case .value(let v): return "v:" + v.goJSON
        case .index(let i): return "i:\(i)"
        }
    }

    /// Parses a `FieldsV1` key; nil for an unknown element type, which readers skip.
    static func parse(fieldsV1Key s: String) throws -> PathElement? {
        guard s.count >= 2 else { throw FieldsV1Error("key must be 2 characters long: \(s)") }
        let type = s.prefix(2)
        let body = String(s.dropFirst(2))
        switch type {
        case "f:": return .field(body)
        case "v:": return .value(try JSONValue(parsing: Data(body.utf8)).normalizedNumbers)
        case "k:":
            guard case .object(let o) = try JSONValue(parsing: Data(body.utf8)) else {
                throw FieldsV1Error("key element is not a JSON object: \(s)")
            }
            return makeKey(o.map { ($0.key, $0.value) })
        case "i:":
            guard let i = Int(body) else { throw FieldsV1Error("invalid index: \(s)") }
            return .index(i)
        default:
            guard s.dropFirst().first == ":" else { throw FieldsV1Error("missing colon: \(s)") }
            return nil
        }
    }

    private static func display(_ v: JSONValue) -> String {
        switch v {
        case .string(let s): return JSONValue.goQuoted(s)
        case .null: return "null"
        case .array(let a): return "[" + a.map(display).joined(separator: ",") + "]"
        case .object(let o): return o.keys.sorted().map { "\($0)=\(display(o[$0]!))" }.joined()
        default: return v.goJSON
        }
    }

    // Order: fields, then keys, then values, then indices (as structured-merge-diff sorts them).
    private var rank: Int {
        switch self {
        case .field: return 0
        case .key: return 1
        case .value: return 2
        case .index: return 3
        }
    }

    public static func < (a: PathElement, b: PathElement) -> Bool {
        switch (a, b) {
        case (.field(let x), .field(let y)): return x < y
        case (.key(let x), .key(let y)):
            for (l, r) in zip(x, y) where l != r {
                return l.name != r.name ? l.name < r.name : valueLess(l.value, r.value)
            }
            return x.count < y.count
        case (.value(let x), .value(let y)): return valueLess(x, y)
        case (.index(let x), .index(let y)): return x < y
        default: return a.rank < b.rank
        }
    }

    private static func valueLess(_ a: JSONValue, _ b: JSONValue) -> Bool {
        func rank(_ v: JSONValue) -> Int {
            switch v {
            case .int, .double: return 0
            case .string: return 1
            case .bool: return 2
            case .array: return 3
            case .object: return 4
            case .null: return 5
            }
        }
        switch (a, b) {
        case (.int(let x), .int(let y)): return x < y
        case (.string(let x), .string(let y)): return x < y
        case (.bool(let x), .bool(let y)): return !x && y
        default:
            if rank(a) != rank(b) { return rank(a) < rank(b) }
            if let x = a.numberValue, let y = b.numberValue { return x < y }
            return a.goJSON < b.goJSON
        }
    }
}

/// A field path, printed the way conflict messages print it (`.spec.replicas`).
public typealias FieldPath = [PathElement]

extension Array where Element == PathElement {
    public var pathString: String { map(\.description).joined() }
}

struct FieldsV1Error: Error, CustomStringConvertible {
    let description: String
    init(_ d: String) { description = d }
}

extension JSONValue {
    var numberValue: Double? {
        switch self {
        case .int(let i): return Double(i)
        case .double(let d): return d
        default: return nil
        }
    }
}
