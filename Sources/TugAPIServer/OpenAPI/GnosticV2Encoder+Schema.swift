import Foundation
import TugAPI

/// Schemas: what kubectl's client-side validation (kube-openapi `proto.NewOpenAPIData`) reads.
/// It tells kinds from maps by whether `properties` is present, so a `properties: {}` is written
/// as an empty `Properties` message rather than left out.
extension GnosticV2Encoder {
    /// `Definitions` or `Properties`: each member a `NamedSchema` (field 1).
    mutating func namedSchemas(_ value: JSONValue, at path: String) -> [UInt8] {
        var w = ProtobufWriter()
        for (name, member) in members(value, at: path) { w.bytesField(1, named(name, schema(member, at: path + "." + name))) }
        return w.bytes
    }

    mutating func schema(_ value: JSONValue, at path: String) -> [UInt8] {
        var w = ProtobufWriter()
        for (key, member) in members(value, at: path) {
            let at = path + "." + key
            switch key {
            case "additionalProperties":
                // AdditionalPropertiesItem: oneof schema = 1, boolean = 2 (a oneof member is
                // written even when false).
                var item = ProtobufWriter()
                if let b = member.boolValue { item.varintField(2, b ? 1 : 0) } else { item.bytesField(1, schema(member, at: at)) }
                w.bytesField(21, item.bytes)
            case "type":
                // TypeItem: repeated string value = 1, from one type name or a list of them.
                var item = ProtobufWriter()
                switch member {
                case .string(let t): item.string(1, t)
                case .array(let types) where types.allSatisfy({ $0.stringValue != nil }):
                    for t in types { item.string(1, t.stringValue!) }
                default: unmapped.append(at + " (\(member.typeName))")
                }
                w.bytesField(22, item.bytes)
            case "items":
                // ItemsItem: repeated Schema schema = 1, from one schema or a list of them.
                var item = ProtobufWriter()
                if case .array(let schemas) = member {
                    for (i, s) in schemas.enumerated() { item.bytesField(1, schema(s, at: "\(at)[\(i)]")) }
                } else {
                    item.bytesField(1, schema(member, at: at))
                }
                w.bytesField(23, item.bytes)
            case "allOf":
                for (i, s) in elements(member, at: at).enumerated() { w.bytesField(24, schema(s, at: "\(at)[\(i)]")) }
            case "properties": w.bytesField(25, namedSchemas(member, at: at))
            case "xml": w.bytesField(28, flat(member, at: at, .xml))
            case "externalDocs": w.bytesField(29, flat(member, at: at, .externalDocs))
            default: scalar(key, member, at: at, .schema, into: &w)
            }
        }
        return w.bytes
    }
}
