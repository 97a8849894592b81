import Foundation

/// Encodes typed values straight into a `JSONValue` tree (no JSON text in between); with
/// `JSONWriter` it replaces Foundation's `JSONEncoder` for API objects. Data is base64 and
/// non-finite numbers are refused, as with JSONEncoder's defaults.
public enum JSONValueEncoder {
    public static func encode<T: Encodable>(_ value: T) throws -> JSONValue {
        try TreeEncoder.encodeValue(value, codingPath: [])
    }
}

/// A container under construction: objects and arrays are shared by reference so nested
/// containers can be filled after they were handed out, then frozen into a `JSONValue`.
enum TreeNode {
    case value(JSONValue)
    case object(TreeObject)
    case array(TreeArray)
    /// A super encoder's result, read when the tree is frozen.
    case deferred(TreeEncoder)

    var frozen: JSONValue {
        switch self {
        case .value(let v): return v
        case .object(let o): return o.frozen
        case .array(let a): return a.frozen
        case .deferred(let e): return e.node?.frozen ?? .object([:])
        }
    }
}

final class TreeObject {
    var fields: [String: TreeNode] = [:]
    var frozen: JSONValue { .object(fields.mapValues(\.frozen)) }
}

final class TreeArray {
    var items: [TreeNode] = []
    var frozen: JSONValue { .array(items.map(\.frozen)) }
}

final class TreeEncoder: Encoder, SingleValueEncodingContainer {
    let codingPath: [any CodingKey]
    var userInfo: [CodingUserInfoKey: Any] { [:] }
    var node: TreeNode?

    init(codingPath: [any CodingKey]) { self.codingPath = codingPath }

    /// Encodes one value; the common leaf types skip a nested encoder.
    static func encodeValue<T: Encodable>(_ value: T, codingPath: [any CodingKey]) throws -> JSONValue {
        switch value {
        case let v as JSONValue: return v
        case let s as String: return .string(s)
        case let b as Bool: return .bool(b)
        case let i as Int: return .int(Int64(i))
        case let i as Int64: return .int(i)
        case let i as Int32: return .int(Int64(i))
        case let d as Double: return try number(d, codingPath: codingPath)
        case let data as Data: return .string(data.base64EncodedString())
        case let url as URL: return .string(url.absoluteString)
        case let fast as any JSONTreeCodable: return try fast.jsonTree()
        default:
            let encoder = TreeEncoder(codingPath: codingPath)
            try value.encode(to: encoder)
            return encoder.node?.frozen ?? .object([:])
        }
    }

    static func number(_ d: Double, codingPath: [any CodingKey]) throws -> JSONValue {
        guard d.isFinite else {
            throw EncodingError.invalidValue(d, .init(codingPath: codingPath, debugDescription: "Unable to encode Double.\(d) directly in JSON."))
        }
        return .double(d)
    }

    func container<Key: CodingKey>(keyedBy type: Key.Type) -> KeyedEncodingContainer<Key> {
        if case .object(let o)? = node { return KeyedEncodingContainer(TreeKeyedEncodingContainer<Key>(object: o, codingPath: codingPath)) }
        let o = TreeObject()
        node = .object(o)
        return KeyedEncodingContainer(TreeKeyedEncodingContainer<Key>(object: o, codingPath: codingPath))
    }

    func unkeyedContainer() -> any UnkeyedEncodingContainer {
        if case .array(let a)? = node { return TreeUnkeyedEncodingContainer(array: a, codingPath: codingPath) }
        let a = TreeArray()
        node = .array(a)
        return TreeUnkeyedEncodingContainer(array: a, codingPath: codingPath)
    }

    func singleValueContainer() -> any SingleValueEncodingContainer { self }

    // MARK: SingleValueEncodingContainer

    func encodeNil() { node = .value(.null) }
    func encode(_ value: Bool) { node = .value(.bool(value)) }
    func encode(_ value: String) { node = .value(.string(value)) }
    func encode(_ value: Double) throws { node = .value(try Self.number(value, codingPath: codingPath)) }
    func encode(_ value: Float) throws { node = .value(try Self.number(Double(value), codingPath: codingPath)) }
    func encode(_ value: Int) { node = .value(.int(Int64(value))) }
    func encode(_ value: Int8) { node = .value(.int(Int64(value))) }
    func encode(_ value: Int16) { node = .value(.int(Int64(value))) }
    func encode(_ value: Int32) { node = .value(.int(Int64(value))) }
    func encode(_ value: Int64) { node = .value(.int(value)) }
    func encode(_ value: UInt) { node = .value(Self.unsigned(UInt64(value))) }
    func encode(_ value: UInt8) { node = .value(.int(Int64(value))) }
    func encode(_ value: UInt16) { node = .value(.int(Int64(value))) }
    func encode(_ value: UInt32) { node = .value(.int(Int64(value))) }
    func encode(_ value: UInt64) { node = .value(Self.unsigned(value)) }
    func encode<T: Encodable>(_ value: T) throws { node = .value(try Self.encodeValue(value, codingPath: codingPath)) }

    static func unsigned(_ v: UInt64) -> JSONValue { v <= UInt64(Int64.max) ? .int(Int64(v)) : .double(Double(v)) }
}

struct TreeKeyedEncodingContainer<Key: CodingKey>: KeyedEncodingContainerProtocol {
    let object: TreeObject
    let codingPath: [any CodingKey]

    func set(_ value: JSONValue, _ key: Key) { object.fields[key.stringValue] = .value(value) }

    mutating func encodeNil(forKey key: Key) { set(.null, key) }
    mutating func encode(_ value: Bool, forKey key: Key) { set(.bool(value), key) }
    mutating func encode(_ value: String, forKey key: Key) { set(.string(value), key) }
    mutating func encode(_ value: Double, forKey key: Key) throws { set(try TreeEncoder.number(value, codingPath: codingPath + [key]), key) }
    mutating func encode(_ value: Float, forKey key: Key) throws { set(try TreeEncoder.number(Double(value), codingPath: codingPath + [key]), key) }
    mutating func encode(_ value: Int, forKey key: Key) { set(.int(Int64(value)), key) }
    mutating func encode(_ value: Int8, forKey key: Key) { set(.int(Int64(value)), key) }
    mutating func encode(_ value: Int16, forKey key: Key) { set(.int(Int64(value)), key) }
    mutating func encode(_ value: Int32, forKey key: Key) { set(.int(Int64(value)), key) }
    mutating func encode(_ value: Int64, forKey key: Key) { set(.int(value), key) }
    mutating func encode(_ value: UInt, forKey key: Key) { set(TreeEncoder.unsigned(UInt64(value)), key) }
    mutating func encode(_ value: UInt8, forKey key: Key) { set(.int(Int64(value)), key) }
    mutating func encode(_ value: UInt16, forKey key: Key) { set(.int(Int64(value)), key) }
    mutating func encode(_ value: UInt32, forKey key: Key) { set(.int(Int64(value)), key) }
    mutating func encode(_ value: UInt64, forKey key: Key) { set(TreeEncoder.unsigned(value), key) }

    mutating func encode<T: Encodable>(_ value: T, forKey key: Key) throws {
        set(try TreeEncoder.encodeValue(value, codingPath: codingPath + [key]), key)
    }

    mutating func nestedContainer<NestedKey: CodingKey>(keyedBy keyType: NestedKey.Type, forKey key: Key) -> KeyedEncodingContainer<NestedKey> {
        let o = TreeObject()
        object.fields[key.stringValue] = .object(o)
        return KeyedEncodingContainer(TreeKeyedEncodingContainer<NestedKey>(object: o, codingPath: codingPath + [key]))
    }

    mutating func nestedUnkeyedContainer(forKey key: Key) -> any UnkeyedEncodingContainer {
        let a = TreeArray()
        object.fields[key.stringValue] = .array(a)
        return TreeUnkeyedEncodingContainer(array: a, codingPath: codingPath + [key])
    }

    mutating func superEncoder() -> any Encoder { superEncoder(forKeyString: "super") }
    mutating func superEncoder(forKey key: Key) -> any Encoder { superEncoder(forKeyString: key.stringValue) }

    private func superEncoder(forKeyString key: String) -> any Encoder {
        let encoder = TreeEncoder(codingPath: codingPath + [TreeIndexKey(stringValue: key)])
        object.fields[key] = .deferred(encoder)
        return encoder
    }
}

struct TreeUnkeyedEncodingContainer: UnkeyedEncodingContainer {
    let array: TreeArray
    let codingPath: [any CodingKey]
    var count: Int { array.items.count }

    var nextPath: [any CodingKey] { codingPath + [TreeIndexKey(intValue: array.items.count)] }

    mutating func encodeNil() { array.items.append(.value(.null)) }
    mutating func encode(_ value: Bool) { array.items.append(.value(.bool(value))) }
    mutating func encode(_ value: String) { array.items.append(.value(.string(value))) }
    mutating func encode(_ value: Int) { array.items.append(.value(.int(Int64(value)))) }
    mutating func encode(_ value: Int64) { array.items.append(.value(.int(value))) }
    mutating func encode(_ value: Double) throws { array.items.append(.value(try TreeEncoder.number(value, codingPath: nextPath))) }

    mutating func encode<T: Encodable>(_ value: T) throws {
        array.items.append(.value(try TreeEncoder.encodeValue(value, codingPath: nextPath)))
    }

    mutating func nestedContainer<NestedKey: CodingKey>(keyedBy keyType: NestedKey.Type) -> KeyedEncodingContainer<NestedKey> {
        let o = TreeObject()
        let path = nextPath
        array.items.append(.object(o))
        return KeyedEncodingContainer(TreeKeyedEncodingContainer<NestedKey>(object: o, codingPath: path))
    }

    mutating func nestedUnkeyedContainer() -> any UnkeyedEncodingContainer {
        let a = TreeArray()
        let path = nextPath
        array.items.append(.array(a))
        return TreeUnkeyedEncodingContainer(array: a, codingPath: path)
    }

    mutating func superEncoder() -> any Encoder {
        let encoder = TreeEncoder(codingPath: nextPath)
        array.items.append(.deferred(encoder))
        return encoder
    }
}
