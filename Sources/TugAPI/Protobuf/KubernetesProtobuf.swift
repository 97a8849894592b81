import Foundation

/// Kubernetes' protobuf body format (`application/vnd.kubernetes.protobuf`): the 4 bytes `k8s\0`,
/// then a `runtime.Unknown` {1 typeMeta {1 apiVersion, 2 kind}, 2 raw, 3 contentEncoding,
/// 4 contentType} whose `raw` is the object's own message. kubectl 1.37's `create` generators
/// send it; the API server turns it into the JSON tree every other path works on.
public enum KubernetesProtobuf {
    public static let magic: [UInt8] = [0x6b, 0x38, 0x73, 0x00]
    public static let contentType = "application/vnd.kubernetes.protobuf"

    /// A decoded body.
    public struct Decoded: Sendable, Hashable {
        public var apiVersion: String
        public var kind: String
        /// The object as JSON, with `apiVersion` and `kind` set.
        public var object: JSONValue
        /// Field numbers the schema does not know (skipped; reject them under `fieldValidation=Strict`).
        public var unknownFields: [ProtobufUnknownField]
    }

    /// Decodes a protobuf request body. Throws `APIError.badRequest` for malformed bodies and kinds
    /// without a schema.
    public static func decode(_ body: [UInt8]) throws -> (apiVersion: String, kind: String, object: JSONValue) {
        let d = try decodeDetailed(body)
        return (d.apiVersion, d.kind, d.object)
    }

    /// Like `decode(_:)`, also reporting unknown field numbers.
    public static func decodeDetailed(_ body: [UInt8], schema: APISchema = .shared) throws -> Decoded {
        try decodeDetailed(body, schema: schema, depth: 0)
    }

    static func decodeDetailed(_ body: [UInt8], schema: APISchema, depth: Int) throws -> Decoded {
        guard body.count >= 4, body.starts(with: magic) else {
            throw APIError.badRequest("invalid protobuf body: it does not start with the Kubernetes prefix \"k8s\\0\"")
        }
        var reader = ProtobufReader(body, range: 4..<body.count)
        var apiVersion = ""
        var kind = ""
        var raw: Range<Int>?
        var contentEncoding = ""
        while !reader.isAtEnd {
            let (number, wire) = try reader.readTag()
            switch (number, wire) {
            case (1, .lengthDelimited):
                var typeMeta = ProtobufReader(body, range: try reader.readLengthDelimited())
                while !typeMeta.isAtEnd {
                    let (n, w) = try typeMeta.readTag()
                    switch (n, w) {
                    case (1, .lengthDelimited): apiVersion = typeMeta.string(try typeMeta.readLengthDelimited())
                    case (2, .lengthDelimited): kind = typeMeta.string(try typeMeta.readLengthDelimited())
                    default: try typeMeta.skip(w)
                    }
                }
            case (2, .lengthDelimited): raw = try reader.readLengthDelimited()
            case (3, .lengthDelimited): contentEncoding = reader.string(try reader.readLengthDelimited())
            case (4, .lengthDelimited): _ = try reader.readLengthDelimited()  // contentType: the raw message is protobuf
            case (1...4, _): throw ProtobufReader.malformed("envelope field \(number) has wire type \(wire.name)")
            default: try reader.skip(wire)
            }
        }
        guard !kind.isEmpty else { throw APIError.badRequest("invalid protobuf body: the envelope names no kind") }
        guard contentEncoding.isEmpty else {
            throw APIError.badRequest("invalid protobuf body: content encoding \"\(contentEncoding)\" is not supported")
        }
        guard let message = messageName(apiVersion: apiVersion, kind: kind, schema: schema) else {
            throw APIError.badRequest("no protobuf schema for kind \"\(kind)\" in version \"\(apiVersion)\"")
        }
        var decoder = ProtobufDecoder(schema: schema)
        var object = try decoder.decode(raw.map { Array(body[$0]) } ?? [], message: message, depth: depth)
        object["apiVersion"] = .string(apiVersion)
        object["kind"] = .string(kind)
        return Decoded(apiVersion: apiVersion, kind: kind, object: object, unknownFields: decoder.unknownFields)
    }

    /// The protobuf message of a kind: served resources through `ResourceCatalog`, then any
    /// message of the group-version's package (Scale, Eviction, Binding), then meta/v1
    /// (DeleteOptions and the other option kinds every group accepts).
    public static func messageName(apiVersion: String, kind: String, schema: APISchema = .shared) -> String? {
        if let info = ResourceCatalog.lookup(apiVersion: apiVersion, kind: kind), schema.message(info.protobufMessage) != nil {
            return info.protobufMessage
        }
        let own = APISchema.protobufPackage(apiVersion: apiVersion) + "." + kind
        if schema.message(own) != nil { return own }
        let meta = APISchema.metaPackage + "." + kind
        return schema.message(meta) != nil ? meta : nil
    }
}
