import Foundation

/// Conversion to and from `JSONValue` trees and JSON text without `Codable`. Every generated API
/// type conforms (scripts/gen-api-types.py writes the code), as do the leaf types below. The
/// results equal those of `JSONValueEncoder`, `JSONValueDecoder` and `JSONWriter`, errors
/// included; what changes is the cost: no coding containers, key lookups or sorting of known keys.
public protocol JSONTreeCodable {
    /// Decodes from a tree. Errors are `DecodingError`s whose coding path starts at this value.
    init(jsonTree: JSONValue) throws
    func jsonTree() throws -> JSONValue
    /// Appends this value as compact JSON with sorted keys, byte for byte as `JSONWriter` would.
    func writeJSON(into out: inout [UInt8]) throws
}

/// The pieces generated conformances are made of.
public enum JSONTreeCoding {
    // MARK: decoding

    /// The fields of an object, or the error the Codable path gives for anything else.
    public static func object(_ value: JSONValue) throws -> [String: JSONValue] {
        guard case .object(let o) = value else { throw mismatch([String: JSONValue].self, value) }
        return o
    }

    /// An optional field's value: null is nil; errors below it get the key in their path.
    public static func field<T: JSONTreeCodable>(_ value: JSONValue, _ key: String) throws -> T? {
        if case .null = value { return nil }
        do {
            return try T(jsonTree: value)
        } catch let e as DecodingError {
            throw prefixed(e, [TreeIndexKey(stringValue: key)])
        }
    }

    /// What TreeDecoder reports when a value is not of the expected type.
    static func mismatch(_ type: Any.Type, _ value: JSONValue) -> DecodingError {
        if value.isNull {
            return .valueNotFound(type, .init(codingPath: [], debugDescription: "Expected \(type) value but found null instead."))
        }
        return .typeMismatch(type, .init(codingPath: [], debugDescription: "Expected to decode \(type) but found \(value.typeName) instead."))
    }

    /// Decodes `T` through its tree rules from any `Decoder` (Foundation's included), so hand-written
    /// leaf types keep one set of rules; errors get the decoder's coding path.
    public static func decode<T: JSONTreeCodable>(_ type: T.Type, from decoder: any Decoder) throws -> T {
        let value = try JSONValue(from: decoder)
        do {
            return try T(jsonTree: value)
        } catch let e as DecodingError {
            throw prefixed(e, decoder.codingPath)
        }
    }

    static func corrupted(_ message: String) -> DecodingError {
        .dataCorrupted(.init(codingPath: [], debugDescription: message))
    }

    /// `e` with `path` put in front of its coding path.
    public static func prefixed(_ e: DecodingError, _ path: [any CodingKey]) -> DecodingError {
        func moved(_ c: DecodingError.Context) -> DecodingError.Context {
            .init(codingPath: path + c.codingPath, debugDescription: c.debugDescription, underlyingError: c.underlyingError)
        }
        switch e {
        case .typeMismatch(let t, let c): return .typeMismatch(t, moved(c))
        case .valueNotFound(let t, let c): return .valueNotFound(t, moved(c))
        case .keyNotFound(let k, let c): return .keyNotFound(k, moved(c))
        case .dataCorrupted(let c): return .dataCorrupted(moved(c))
        @unknown default: return e
        }
    }

    // MARK: encoding

    /// Sets `key` in a tree under construction when `value` is present.
    public static func put<T: JSONTreeCodable>(_ value: T?, _ key: String, _ object: inout [String: JSONValue]) throws {
        if let value { object[key] = try value.jsonTree() }
    }

    /// Writes `"key":value` after the separator (`{` for the first field, then `,`) when `value`
    /// is present. `key` is the quoted key and the colon, as generated.
    public static func write<T: JSONTreeCodable>(_ value: T?, _ key: StaticString, _ separator: inout UInt8, _ out: inout [UInt8]) throws {
        guard let value else { return }
        out.append(separator)
        separator = UInt8(ascii: ",")
        out.append(contentsOf: UnsafeBufferPointer(start: key.utf8Start, count: key.utf8CodeUnitCount))
        try value.writeJSON(into: &out)
    }

    /// Closes an object whose fields were written with `write`.
    public static func close(_ separator: UInt8, _ out: inout [UInt8]) {
        if separator == UInt8(ascii: "{") { out.append(separator) }
        out.append(UInt8(ascii: "}"))
    }

    static func finite(_ d: Double) throws -> Double {
        guard d.isFinite else {
            throw EncodingError.invalidValue(d, .init(codingPath: [], debugDescription: "Unable to encode Double.\(d) directly in JSON."))
        }
        return d
    }

    /// JSON text of any value: the generated writer when it has one, else through the tree.
    public static func bytes<T: Encodable>(_ value: T) throws -> [UInt8] {
        if let v = value as? any JSONTreeCodable {
            var out: [UInt8] = []
            out.reserveCapacity(512)
            try v.writeJSON(into: &out)
            return out
        }
        return JSONWriter.write(try JSONValueEncoder.encode(value))
    }
}

// MARK: leaf types

extension String: JSONTreeCodable {
    public init(jsonTree: JSONValue) throws {
        guard case .string(let s) = jsonTree else { throw JSONTreeCoding.mismatch(String.self, jsonTree) }
        self = s
    }
    public func jsonTree() -> JSONValue { .string(self) }
    public func writeJSON(into out: inout [UInt8]) { JSONWriter.writeString(self, into: &out) }
}

extension Bool: JSONTreeCodable {
    public init(jsonTree: JSONValue) throws {
        guard case .bool(let b) = jsonTree else { throw JSONTreeCoding.mismatch(Bool.self, jsonTree) }
        self = b
    }
    public func jsonTree() -> JSONValue { .bool(self) }
    public func writeJSON(into out: inout [UInt8]) { out.append(contentsOf: (self ? "true" : "false").utf8) }
}

extension Int: JSONTreeCodable {
    public init(jsonTree: JSONValue) throws {
        let wide: Int64
        switch jsonTree {
        case .int(let i): wide = i
        case .double(let d) where d == d.rounded(.towardZero) && abs(d) < 9.2e18: wide = Int64(d)
        case .double(let d): throw JSONTreeCoding.corrupted("Number \(d) is not representable in Swift.")
        default: throw JSONTreeCoding.mismatch(Int.self, jsonTree)
        }
        guard let exact = Int(exactly: wide) else { throw JSONTreeCoding.corrupted("Number \(wide) does not fit in Int.") }
        self = exact
    }
    public func jsonTree() -> JSONValue { .int(Int64(self)) }
    public func writeJSON(into out: inout [UInt8]) { out.append(contentsOf: String(self).utf8) }
}

extension Double: JSONTreeCodable {
    public init(jsonTree: JSONValue) throws {
        switch jsonTree {
        case .double(let d): self = d
        case .int(let i): self = Double(i)
        default: throw JSONTreeCoding.mismatch(Double.self, jsonTree)
        }
    }
    public func jsonTree() throws -> JSONValue { .double(try JSONTreeCoding.finite(self)) }
    public func writeJSON(into out: inout [UInt8]) throws { out.append(contentsOf: JSONWriter.number(try JSONTreeCoding.finite(self)).utf8) }
}

/// Bytes are base64 strings, as with JSONEncoder's defaults.
extension Data: JSONTreeCodable {
    public init(jsonTree: JSONValue) throws {
        guard case .string(let s) = jsonTree else { throw JSONTreeCoding.mismatch(String.self, jsonTree) }
        guard let d = Data(base64Encoded: s) else { throw JSONTreeCoding.corrupted("Encountered Data is not valid Base64.") }
        self = d
    }
    public func jsonTree() -> JSONValue { .string(base64EncodedString()) }
    public func writeJSON(into out: inout [UInt8]) { JSONWriter.writeString(base64EncodedString(), into: &out) }
}

extension JSONValue: JSONTreeCodable {
    public init(jsonTree: JSONValue) { self = jsonTree }
    public func jsonTree() -> JSONValue { self }
    public func writeJSON(into out: inout [UInt8]) { JSONWriter.write(self, into: &out) }
}

extension Time: JSONTreeCodable {
    public init(jsonTree: JSONValue) throws {
        let s = try String(jsonTree: jsonTree)
        guard let d = RFC3339.parse(s) else { throw JSONTreeCoding.corrupted("invalid RFC 3339 time \"\(s)\"") }
        self.init(d)
    }
    public func jsonTree() -> JSONValue { .string(rfc3339) }
    public func writeJSON(into out: inout [UInt8]) { JSONWriter.writeString(rfc3339, into: &out) }
}

extension MicroTime: JSONTreeCodable {
    public init(jsonTree: JSONValue) throws {
        let s = try String(jsonTree: jsonTree)
        guard let d = RFC3339.parse(s) else { throw JSONTreeCoding.corrupted("invalid RFC 3339 time \"\(s)\"") }
        self.init(d)
    }
    public func jsonTree() -> JSONValue { .string(RFC3339.format(date, fractionDigits: 6)) }
    public func writeJSON(into out: inout [UInt8]) { JSONWriter.writeString(RFC3339.format(date, fractionDigits: 6), into: &out) }
}

extension IntOrString: JSONTreeCodable {
    public init(jsonTree: JSONValue) throws {
        if let i = try? Int(jsonTree: jsonTree) { self = .int(i); return }
        if case .string(let s) = jsonTree { self = .string(s); return }
        throw JSONTreeCoding.corrupted("expected an integer or a string")
    }
    public func jsonTree() -> JSONValue {
        switch self {
        case .int(let i): return .int(Int64(i))
        case .string(let s): return .string(s)
        }
    }
    public func writeJSON(into out: inout [UInt8]) {
        switch self {
        case .int(let i): i.writeJSON(into: &out)
        case .string(let s): s.writeJSON(into: &out)
        }
    }
}

/// A string or a JSON number, trimmed; anything that does not parse fails with Kubernetes'
/// message; null is zero.
extension Quantity: JSONTreeCodable {
    public init(jsonTree: JSONValue) throws {
        let raw: String
        switch jsonTree {
        case .null: self = .zero; return
        case .string(let s): raw = s
        case .int(let i): raw = String(i)
        case .double(let d): raw = String(d)
        default: throw JSONTreeCoding.corrupted(QuantityParseError.Kind.formatWrong.message)
        }
        do {
            self = try Quantity(parsing: raw.trimmingCharacters(in: .whitespacesAndNewlines))
        } catch {
            throw JSONTreeCoding.corrupted(error.message)
        }
    }
    public func jsonTree() -> JSONValue { .string(string) }
    public func writeJSON(into out: inout [UInt8]) { JSONWriter.writeString(string, into: &out) }
}

// MARK: collections

extension Array: JSONTreeCodable where Element: JSONTreeCodable {
    public init(jsonTree: JSONValue) throws {
        guard case .array(let items) = jsonTree else { throw JSONTreeCoding.mismatch([JSONValue].self, jsonTree) }
        self = []
        reserveCapacity(items.count)
        for (i, item) in items.enumerated() {
            do {
                append(try Element(jsonTree: item))
            } catch let e as DecodingError {
                throw JSONTreeCoding.prefixed(e, [TreeIndexKey(intValue: i)])
            }
        }
    }
    public func jsonTree() throws -> JSONValue { .array(try map { try $0.jsonTree() }) }
    public func writeJSON(into out: inout [UInt8]) throws {
        out.append(UInt8(ascii: "["))
        for (i, item) in enumerated() {
            if i > 0 { out.append(UInt8(ascii: ",")) }
            try item.writeJSON(into: &out)
        }
        out.append(UInt8(ascii: "]"))
    }
}

extension Dictionary: JSONTreeCodable where Key == String, Value: JSONTreeCodable {
    public init(jsonTree: JSONValue) throws {
        guard case .object(let fields) = jsonTree else { throw JSONTreeCoding.mismatch([String: JSONValue].self, jsonTree) }
        self = [:]
        reserveCapacity(fields.count)
        for (k, v) in fields {
            do {
                self[k] = try Value(jsonTree: v)
            } catch let e as DecodingError {
                throw JSONTreeCoding.prefixed(e, [TreeIndexKey(stringValue: k)])
            }
        }
    }
    public func jsonTree() throws -> JSONValue { .object(try mapValues { try $0.jsonTree() }) }
    public func writeJSON(into out: inout [UInt8]) throws {
        out.append(UInt8(ascii: "{"))
        for (i, (k, v)) in sorted(by: { $0.key < $1.key }).enumerated() {
            if i > 0 { out.append(UInt8(ascii: ",")) }
            JSONWriter.writeString(k, into: &out)
            out.append(UInt8(ascii: ":"))
            try v.writeJSON(into: &out)
        }
        out.append(UInt8(ascii: "}"))
    }
}
