import Foundation
import TugAPI

/// Converts a Swagger 2.0 document (the `/openapi/v2` JSON tree) into gnostic's protobuf
/// `openapi.v2.Document`, the form client-go asks for with
/// `Accept: application/com.github.proto-openapi.spec.v2@v1.0+protobuf` and kubectl validates
/// `kind: List` manifests with. kube-apiserver makes it with gnostic's `ParseDocument` plus
/// `proto.Marshal`; this writes the same messages directly from the tree: members in key order,
/// `x-…` members as `NamedAny` whose `Any.yaml` holds the value, named maps (definitions,
/// properties, paths, responses) as repeated `Named…` pairs.
///
/// Members gnostic has no field for are left out and listed in `unmapped` (gnostic's parser would
/// reject such a document), so a test can hold the served document to carrying everything.
struct GnosticV2Encoder {
    /// Where a member had no gnostic field or a value of the wrong JSON type
    /// (`definitions.io.k8s.api.core.v1.Pod.nullable`).
    var unmapped: [String] = []

    /// The encoded document and what could not be carried.
    static func encode(_ document: JSONValue) -> (bytes: [UInt8], unmapped: [String]) {
        var encoder = GnosticV2Encoder()
        let bytes = encoder.document(document)
        return (bytes, encoder.unmapped)
    }

    mutating func document(_ value: JSONValue) -> [UInt8] {
        var w = ProtobufWriter()
        for (key, member) in members(value, at: "") {
            switch key {
            case "info": w.bytesField(2, info(member, at: key))
            case "paths": w.bytesField(8, paths(member, at: key))
            case "definitions": w.bytesField(9, namedSchemas(member, at: key))
            case "parameters":
                var defs = ProtobufWriter()
                for (name, p) in members(member, at: key) { defs.bytesField(1, named(name, parameter(p, at: key + "." + name))) }
                w.bytesField(10, defs.bytes)
            case "responses":
                var defs = ProtobufWriter()
                for (name, r) in members(member, at: key) { defs.bytesField(1, named(name, response(r, at: key + "." + name))) }
                w.bytesField(11, defs.bytes)
            case "externalDocs": w.bytesField(15, flat(member, at: key, .externalDocs))
            default: scalar(key, member, at: key, .document, into: &w)
            }
        }
        return w.bytes
    }

    // MARK: - Info

    private mutating func info(_ value: JSONValue, at path: String) -> [UInt8] {
        var w = ProtobufWriter()
        for (key, member) in members(value, at: path) {
            let at = path + "." + key
            switch key {
            case "contact": w.bytesField(5, flat(member, at: at, .contact))
            case "license": w.bytesField(6, flat(member, at: at, .license))
            default: scalar(key, member, at: at, .info, into: &w)
            }
        }
        return w.bytes
    }

    // MARK: - Paths and operations

    /// `Paths`: `/…` members as `NamedPathItem` (field 2), `x-…` as vendor extensions (field 1).
    private mutating func paths(_ value: JSONValue, at path: String) -> [UInt8] {
        var w = ProtobufWriter()
        for (key, member) in members(value, at: path) {
            let at = path + "." + key
            if key.hasPrefix("/") {
                w.bytesField(2, named(key, pathItem(member, at: at)))
            } else if key.hasPrefix("x-") {
                w.bytesField(1, namedAny(key, member))
            } else {
                unmapped.append(at)
            }
        }
        return w.bytes
    }

    private static let operationFields = ["get": 2, "put": 3, "post": 4, "delete": 5, "options": 6, "head": 7, "patch": 8]

    private mutating func pathItem(_ value: JSONValue, at path: String) -> [UInt8] {
        var w = ProtobufWriter()
        for (key, member) in members(value, at: path) {
            let at = path + "." + key
            if let number = Self.operationFields[key] {
                w.bytesField(number, operation(member, at: at))
            } else if key == "parameters" {
                for (i, p) in elements(member, at: at).enumerated() { w.bytesField(9, parametersItem(p, at: "\(at)[\(i)]")) }
            } else {
                scalar(key, member, at: at, .pathItem, into: &w)
            }
        }
        return w.bytes
    }

    private mutating func operation(_ value: JSONValue, at path: String) -> [UInt8] {
        var w = ProtobufWriter()
        for (key, member) in members(value, at: path) {
            let at = path + "." + key
            switch key {
            case "externalDocs": w.bytesField(4, flat(member, at: at, .externalDocs))
            case "parameters":
                for (i, p) in elements(member, at: at).enumerated() { w.bytesField(8, parametersItem(p, at: "\(at)[\(i)]")) }
            case "responses": w.bytesField(9, responses(member, at: at))
            default: scalar(key, member, at: at, .operation, into: &w)
            }
        }
        return w.bytes
    }

    /// `ParametersItem`: a `$ref` is a `JsonReference` (field 2), anything else a `Parameter` (1).
    private mutating func parametersItem(_ value: JSONValue, at path: String) -> [UInt8] {
        var w = ProtobufWriter()
        if value["$ref"] != nil {
            w.bytesField(2, flat(value, at: path, .jsonReference))
        } else {
            w.bytesField(1, parameter(value, at: path))
        }
        return w.bytes
    }

    /// `Parameter`: `in: body` is a `BodyParameter` (field 1); the others a `NonBodyParameter`
    /// (2) whose oneof `in` picks: header 1, formData 2, query 3, path 4.
    private mutating func parameter(_ value: JSONValue, at path: String) -> [UInt8] {
        var w = ProtobufWriter()
        let location = value["in"]?.stringValue
        if location == "body" {
            var body = ProtobufWriter()
            for (key, member) in members(value, at: path) {
                let at = path + "." + key
                if key == "schema" { body.bytesField(5, schema(member, at: at)) } else { scalar(key, member, at: at, .bodyParameter, into: &body) }
            }
            w.bytesField(1, body.bytes)
            return w.bytes
        }
        let choice: (number: Int, fields: GnosticFields, items: Int)
        switch location {
        case "header": choice = (1, .headerOrPathParameter, 7)
        case "formData": choice = (2, .queryOrFormDataParameter, 8)
        case "query": choice = (3, .queryOrFormDataParameter, 8)
        case "path": choice = (4, .headerOrPathParameter, 7)
        default:
            unmapped.append(path + ".in")
            return w.bytes
        }
        var sub = ProtobufWriter()
        for (key, member) in members(value, at: path) {
            let at = path + "." + key
            if key == "items" { sub.bytesField(choice.items, primitivesItems(member, at: at)) } else { scalar(key, member, at: at, choice.fields, into: &sub) }
        }
        var nonBody = ProtobufWriter()
        nonBody.bytesField(choice.number, sub.bytes)
        w.bytesField(2, nonBody.bytes)
        return w.bytes
    }

    private mutating func primitivesItems(_ value: JSONValue, at path: String) -> [UInt8] {
        var w = ProtobufWriter()
        for (key, member) in members(value, at: path) {
            let at = path + "." + key
            if key == "items" { w.bytesField(3, primitivesItems(member, at: at)) } else { scalar(key, member, at: at, .primitivesItems, into: &w) }
        }
        return w.bytes
    }

    /// `Responses`: status codes and `default` as `NamedResponseValue` (field 1), `x-…` (2).
    private mutating func responses(_ value: JSONValue, at path: String) -> [UInt8] {
        var w = ProtobufWriter()
        for (key, member) in members(value, at: path) {
            let at = path + "." + key
            if key == "default" || (key.count == 3 && key.allSatisfy({ ("0"..."9").contains($0) })) {
                var responseValue = ProtobufWriter()
                if member["$ref"] != nil {
                    responseValue.bytesField(2, flat(member, at: at, .jsonReference))
                } else {
                    responseValue.bytesField(1, response(member, at: at))
                }
                w.bytesField(1, named(key, responseValue.bytes))
            } else if key.hasPrefix("x-") {
                w.bytesField(2, namedAny(key, member))
            } else {
                unmapped.append(at)
            }
        }
        return w.bytes
    }

    /// `Response`; its `schema` is a `SchemaItem`: a `FileSchema` (field 2) for `type: file`,
    /// else a `Schema` (1).
    private mutating func response(_ value: JSONValue, at path: String) -> [UInt8] {
        var w = ProtobufWriter()
        for (key, member) in members(value, at: path) {
            let at = path + "." + key
            switch key {
            case "schema":
                var item = ProtobufWriter()
                if member["type"]?.stringValue == "file" {
                    item.bytesField(2, fileSchema(member, at: at))
                } else {
                    item.bytesField(1, schema(member, at: at))
                }
                w.bytesField(2, item.bytes)
            case "examples":
                var examples = ProtobufWriter()
                for (type, example) in members(member, at: at) { examples.bytesField(1, namedAny(type, example)) }
                w.bytesField(4, examples.bytes)
            default: scalar(key, member, at: at, .response, into: &w)
            }
        }
        return w.bytes
    }

    private mutating func fileSchema(_ value: JSONValue, at path: String) -> [UInt8] {
        var w = ProtobufWriter()
        for (key, member) in members(value, at: path) {
            let at = path + "." + key
            if key == "externalDocs" { w.bytesField(8, flat(member, at: at, .externalDocs)) } else { scalar(key, member, at: at, .fileSchema, into: &w) }
        }
        return w.bytes
    }

    // MARK: - Building blocks

    /// A message with scalar members only.
    mutating func flat(_ value: JSONValue, at path: String, _ fields: GnosticFields) -> [UInt8] {
        var w = ProtobufWriter()
        for (key, member) in members(value, at: path) { scalar(key, member, at: path + "." + key, fields, into: &w) }
        return w.bytes
    }

    /// A `Named…` pair: `name` = 1, `value` = 2 (the value always written, as gnostic does).
    func named(_ name: String, _ value: [UInt8]) -> [UInt8] {
        var w = ProtobufWriter()
        w.string(1, name)
        w.bytesField(2, value)
        return w.bytes
    }

    /// `NamedAny{name, Any{yaml}}`.
    func namedAny(_ name: String, _ value: JSONValue) -> [UInt8] { named(name, any(value)) }

    /// `Any` with the value's YAML text in `yaml` (field 2).
    func any(_ value: JSONValue) -> [UInt8] {
        var w = ProtobufWriter()
        w.string(2, GnosticYAML.text(value))
        return w.bytes
    }

    /// An object's members in key order; anything else is recorded as unmapped.
    mutating func members(_ value: JSONValue, at path: String) -> [(key: String, value: JSONValue)] {
        guard case .object(let object) = value else {
            unmapped.append(path.isEmpty ? "(document is not an object)" : path + " (not an object)")
            return []
        }
        return object.sorted { $0.key < $1.key }
    }

    /// An array's elements; anything else is recorded as unmapped.
    mutating func elements(_ value: JSONValue, at path: String) -> [JSONValue] {
        guard case .array(let items) = value else {
            unmapped.append(path + " (not an array)")
            return []
        }
        return items
    }

    /// Writes `key` by `fields`: a listed scalar, or an `x-…` vendor extension when the message
    /// has them; records it as unmapped otherwise.
    mutating func scalar(_ key: String, _ member: JSONValue, at path: String, _ fields: GnosticFields, into w: inout ProtobufWriter) {
        guard let (number, kind) = fields.scalars[key] else {
            if key.hasPrefix("x-"), let ext = fields.vendorExtension {
                w.bytesField(ext, namedAny(key, member))
            } else {
                unmapped.append(path)
            }
            return
        }
        switch (kind, member) {
        case (.string, .string(let s)): if !s.isEmpty { w.string(number, s) }
        case (.bool, .bool(let b)): if b { w.varintField(number, 1) }
        case (.double, .int(let i)): if i != 0 { w.fixed64Field(number, Double(i).bitPattern) }
        case (.double, .double(let d)): if d != 0 { w.fixed64Field(number, d.bitPattern) }
        case (.int64, _) where member.intValue != nil:
            let i = member.intValue!
            if i != 0 { w.varintField(number, UInt64(bitPattern: i)) }
        case (.strings, .array(let items)) where items.allSatisfy({ $0.stringValue != nil }):
            for item in items { w.string(number, item.stringValue!) }
        case (.any, _): w.bytesField(number, any(member))
        case (.anys, .array(let items)):
            for item in items { w.bytesField(number, any(item)) }
        default:
            unmapped.append(path + " (\(member.typeName))")
        }
    }
}

extension ProtobufWriter {
    /// A UTF-8 `string` field.
    mutating func string(_ number: Int, _ value: String) { bytesField(number, Array(value.utf8)) }
}
