import Foundation

/// Encodes a JSON tree as a protobuf message, driven by `APISchema`: the inverse of
/// `ProtobufDecoder`. Tests build request bodies with it; the server could answer protobuf
/// with it. Fields are written in field-number order; inline sub-messages are always written
/// (as Go writes non-pointer structs).
public struct ProtobufEncoder: Sendable {
    public let schema: APISchema

    public init(schema: APISchema = .shared) {
        self.schema = schema
    }

    public func encode(_ value: JSONValue, message: String) throws -> [UInt8] {
        guard case .object(let object) = value else { throw Self.failure("\(message) must be a JSON object") }
        return try encodeMessage(object, message: message)
    }

    static func failure(_ what: String) -> APIError { APIError.badRequest("cannot encode as protobuf: \(what)") }

    private func encodeMessage(_ object: [String: JSONValue], message name: String) throws -> [UInt8] {
        guard let message = schema.message(name) else { throw Self.failure("no schema for message \(name)") }
        var w = ProtobufWriter()
        for field in message.fields.sorted(by: { $0.number < $1.number }) {
            switch field.json {
            case .special:
                continue
            case .inline:
                guard case .message(let sub) = field.type else { continue }
                w.bytesField(field.number, try encodeMessage(object, message: sub))
            case .name(let key):
                guard let value = object[key], !value.isNull else { continue }
                try encodeProperty(value, field: field, into: &w)
            }
        }
        return w.bytes
    }

    private func encodeProperty(_ value: JSONValue, field: SchemaField, into w: inout ProtobufWriter) throws {
        switch field.type {
        case .list(let element):
            guard case .array(let items) = value else { throw Self.failure("\(field.name) must be an array") }
            for item in items { try encodeSingle(item, element, number: field.number, into: &w) }
        case .map(let valueType):
            guard case .object(let map) = value else { throw Self.failure("\(field.name) must be an object") }
            for key in map.keys.sorted() {
                var entry = ProtobufWriter()
                entry.bytesField(1, Array(key.utf8))
                try encodeSingle(map[key]!, valueType, number: 2, into: &entry)
                w.bytesField(field.number, entry.bytes)
            }
        default:
            try encodeSingle(value, field.type, number: field.number, into: &w)
        }
    }

    private func encodeSingle(_ value: JSONValue, _ type: SchemaType, number: Int, into w: inout ProtobufWriter) throws {
        switch type {
        case .scalar(let s):
            try encodeScalar(value, s, number: number, into: &w)
        case .message(let name):
            guard case .object(let object) = value else { throw Self.failure("\(name) must be an object") }
            w.bytesField(number, try encodeMessage(object, message: name))
        case .special(let special):
            w.bytesField(number, try encodeSpecial(value, special))
        case .opaque(let name):
            throw Self.failure("no schema for message \(name)")
        case .list, .map:
            throw Self.failure("nested collections")
        }
    }

    private func encodeScalar(_ value: JSONValue, _ s: ScalarType, number: Int, into w: inout ProtobufWriter) throws {
        switch s {
        case .string:
            guard case .string(let text) = value else { throw Self.failure("expected a string, got \(value.typeName)") }
            w.bytesField(number, Array(text.utf8))
        case .bytes:
            guard case .string(let text) = value, let data = Data(base64Encoded: text) else {
                throw Self.failure("expected base64 text")
            }
            w.bytesField(number, Array(data))
        case .bool:
            guard case .bool(let b) = value else { throw Self.failure("expected a boolean, got \(value.typeName)") }
            w.varintField(number, b ? 1 : 0)
        case .float, .double:
            guard let d = value.doubleValue else { throw Self.failure("expected a number, got \(value.typeName)") }
            if s == .float { w.fixed32Field(number, Float(d).bitPattern) } else { w.fixed64Field(number, d.bitPattern) }
        default:
            guard let i = value.intValue else { throw Self.failure("expected an integer, got \(value.typeName)") }
            switch s {
            case .sint32, .sint64: w.varintField(number, UInt64(bitPattern: (i << 1) ^ (i >> 63)))
            case .fixed32, .sfixed32: w.fixed32Field(number, UInt32(truncatingIfNeeded: i))
            case .fixed64, .sfixed64: w.fixed64Field(number, UInt64(bitPattern: i))
            case .uint32: w.varintField(number, UInt64(UInt32(truncatingIfNeeded: i)))
            case .int32: w.varintField(number, UInt64(bitPattern: Int64(Int32(truncatingIfNeeded: i))))
            default: w.varintField(number, UInt64(bitPattern: i))
            }
        }
    }

    private func encodeSpecial(_ value: JSONValue, _ special: SpecialType) throws -> [UInt8] {
        var w = ProtobufWriter()
        switch special {
        case .time, .microTime:
            guard case .string(let text) = value, let date = RFC3339.parse(text) else { throw Self.failure("expected an RFC 3339 time") }
            let t = date.timeIntervalSince1970
            let seconds = Int64(t.rounded(.down))
            let nanos = Int64(((t - Double(seconds)) * 1_000_000).rounded()) * 1000
            if seconds != 0 { w.varintField(1, UInt64(bitPattern: seconds)) }
            if nanos != 0 { w.varintField(2, UInt64(nanos)) }
        case .duration:
            guard case .string(let text) = value, let ns = GoDuration.parse(text) else { throw Self.failure("expected a duration") }
            w.varintField(1, UInt64(bitPattern: ns))
        case .quantity:
            switch value {
            case .string(let s): w.bytesField(1, Array(s.utf8))
            case .int(let i): w.bytesField(1, Array(String(i).utf8))
            default: throw Self.failure("expected a quantity")
            }
        case .intOrString:
            switch value {
            case .int(let i):
                w.varintField(1, 0)
                w.varintField(2, UInt64(bitPattern: Int64(Int32(truncatingIfNeeded: i))))
                w.bytesField(3, [])
            case .string(let s):
                w.varintField(1, 1)
                w.varintField(2, 0)
                w.bytesField(3, Array(s.utf8))
            default: throw Self.failure("expected an integer or a string")
            }
        case .verbs:
            guard case .array(let items) = value else { throw Self.failure("expected a list of verbs") }
            for item in items {
                guard case .string(let s) = item else { throw Self.failure("verbs must be strings") }
                w.bytesField(1, Array(s.utf8))
            }
        case .rawExtension, .fieldsV1:
            w.bytesField(1, Array(value.serialized()))
        }
        return w.bytes
    }
}

extension KubernetesProtobuf {
    /// Wraps an object (which must carry `apiVersion` and `kind`) in the `k8s\0` + `runtime.Unknown`
    /// envelope, as kubectl sends it.
    public static func encode(_ object: JSONValue, schema: APISchema = .shared) throws -> [UInt8] {
        guard let apiVersion = object["apiVersion"]?.stringValue, let kind = object["kind"]?.stringValue else {
            throw ProtobufEncoder.failure("the object has no apiVersion and kind")
        }
        guard let message = messageName(apiVersion: apiVersion, kind: kind, schema: schema) else {
            throw ProtobufEncoder.failure("no protobuf schema for kind \"\(kind)\" in version \"\(apiVersion)\"")
        }
        var typeMeta = ProtobufWriter()
        typeMeta.bytesField(1, Array(apiVersion.utf8))
        typeMeta.bytesField(2, Array(kind.utf8))
        var envelope = ProtobufWriter()
        envelope.bytes = magic
        envelope.bytesField(1, typeMeta.bytes)
        envelope.bytesField(2, try ProtobufEncoder(schema: schema).encode(object, message: message))
        envelope.bytesField(3, [])
        envelope.bytesField(4, [])
        return envelope.bytes
    }
}

extension JSONValue {
    fileprivate var doubleValue: Double? {
        switch self {
        case .int(let i): return Double(i)
        case .double(let d): return d
        default: return nil
        }
    }
}
