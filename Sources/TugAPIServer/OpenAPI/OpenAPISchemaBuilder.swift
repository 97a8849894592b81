import Foundation
import TugAPI

/// Builds the schema definitions of an OpenAPI document from `APISchema`: one object schema per
/// protobuf message, with `x-kubernetes-group-version-kind` on kinds, the merge metadata of
/// `PatchMergeTable` on fields, and the special types (Time, Quantity, IntOrString, RawExtension)
/// in the form Kubernetes publishes.
struct OpenAPISchemaBuilder {
    let schema: APISchema
    let style: OpenAPIStyle

    /// The `Patch` body schema every PATCH operation refers to (it has no protobuf message).
    static let patchDefinition = "io.k8s.apimachinery.pkg.apis.meta.v1.Patch"
    static let metaDeleteOptions = APISchema.metaPackage + ".DeleteOptions"
    static let metaStatus = APISchema.metaPackage + ".Status"
    static let metaWatchEvent = APISchema.metaPackage + ".WatchEvent"

    /// Every message reachable from `roots` (special types included by their message name).
    func closure(of roots: [String]) -> Set<String> {
        var seen: Set<String> = []
        var stack = roots
        while let name = stack.popLast() {
            guard !seen.contains(name) else { continue }
            seen.insert(name)
            guard let message = schema.message(name), SpecialType(messageName: name) == nil else { continue }
            for field in message.jsonFields {
                switch field.type.element {
                case .message(let m): stack.append(m)
                case .special(let s) where s != .duration && s != .verbs: stack.append(s.messageName)
                default: break
                }
            }
        }
        return seen
    }

    /// The definitions of `messages`, keyed by Kubernetes' definition names.
    func definitions(_ messages: Set<String>) -> [String: JSONValue] {
        var out: [String: JSONValue] = [:]
        for name in messages {
            if let special = SpecialType(messageName: name) {
                out[OpenAPINames.definition(name)] = specialDefinition(special)
            } else if schema.message(name) != nil {
                out[OpenAPINames.definition(name)] = messageDefinition(name)
            }
        }
        out[Self.patchDefinition] = [
            "type": "object",
            "description": "Patch is provided to give a concrete name and type to the Kubernetes PATCH request body.",
        ]
        return out
    }

    private func messageDefinition(_ name: String) -> JSONValue {
        let message = schema.message(name)!
        var properties: [String: JSONValue] = [:]
        if schema.hasTypeMeta(name) {
            properties["apiVersion"] = ["type": "string", "description": "APIVersion defines the versioned schema of this representation of an object."]
            properties["kind"] = ["type": "string", "description": "Kind is a string value representing the REST resource this object represents."]
        }
        for field in message.jsonFields {
            guard let json = field.jsonName else { continue }
            properties[json] = .object(property(field.type, info: PatchMergeTable.info(message: field.message, field: json)))
        }
        var def: [String: JSONValue] = ["type": "object", "properties": .object(properties)]
        let required = RequiredFields.of(message: name).filter { properties[$0] != nil }
        if !required.isEmpty { def["required"] = .array(required.map { .string($0) }) }
        let gvks = groupVersionKinds(of: name)
        if !gvks.isEmpty { def["x-kubernetes-group-version-kind"] = .array(gvks) }
        if PatchMergeTable.isAtomic(message: name) { def["x-kubernetes-map-type"] = "atomic" }
        return .object(def)
    }

    /// The schema of a field's value, with its merge metadata as Kubernetes' extensions.
    func property(_ type: SchemaType, info: FieldPatchInfo?) -> [String: JSONValue] {
        var p = valueSchema(type)
        guard let info else { return p }
        var strategies: [String] = []
        if info.strategy.contains(.merge) { strategies.append("merge") }
        if info.strategy.contains(.replace) { strategies.append("replace") }
        if info.strategy.contains(.retainKeys) { strategies.append("retainKeys") }
        if !strategies.isEmpty { p["x-kubernetes-patch-strategy"] = .string(strategies.joined(separator: ",")) }
        if let key = info.mergeKey { p["x-kubernetes-patch-merge-key"] = .string(key) }
        if type.isList {
            switch info.listType {
            case .atomic: p["x-kubernetes-list-type"] = "atomic"
            case .set: p["x-kubernetes-list-type"] = "set"
            case .map(let keys):
                p["x-kubernetes-list-type"] = "map"
                p["x-kubernetes-list-map-keys"] = .array(keys.map { .string($0) })
            }
        } else if info.isAtomic {
            p["x-kubernetes-map-type"] = "atomic"
        }
        return p
    }

    private func valueSchema(_ type: SchemaType) -> [String: JSONValue] {
        switch type {
        case .scalar(let s): return scalarSchema(s)
        case .message(let m): return style.ref(OpenAPINames.definition(m))
        case .special(.duration): return ["type": "string"]
        case .special(.verbs): return ["type": "array", "items": ["type": "string"]]
        case .special(let s): return style.ref(OpenAPINames.definition(s.messageName))
        case .opaque: return ["type": "object", "x-kubernetes-preserve-unknown-fields": true]
        case .list(let e): return ["type": "array", "items": .object(valueSchema(e))]
        case .map(let e): return ["type": "object", "additionalProperties": .object(valueSchema(e))]
        }
    }

    private func scalarSchema(_ s: ScalarType) -> [String: JSONValue] {
        switch s {
        case .string: return ["type": "string"]
        case .bytes: return ["type": "string", "format": "byte"]
        case .bool: return ["type": "boolean"]
        case .double: return ["type": "number", "format": "double"]
        case .float: return ["type": "number", "format": "float"]
        case .int32, .sint32, .sfixed32, .uint32, .fixed32: return ["type": "integer", "format": "int32"]
        default: return ["type": "integer", "format": "int64"]
        }
    }

    private func specialDefinition(_ special: SpecialType) -> JSONValue {
        switch special {
        case .time:
            return ["type": "string", "format": "date-time",
                    "description": "Time is a wrapper around time.Time which supports correct marshaling to YAML and JSON."]
        case .microTime:
            return ["type": "string", "format": "date-time", "description": "MicroTime is version of Time with microsecond level precision."]
        case .quantity:
            let d: JSONValue = "Quantity is a fixed-point representation of a number (`500m`, `1Gi`, `2`)."
            return style == .v2 ? ["type": "string", "description": d]
                : ["oneOf": [["type": "string"], ["type": "number"]], "description": d]
        case .intOrString:
            let d: JSONValue = "IntOrString is a type that can hold an int32 or a string."
            return style == .v2 ? ["type": "string", "format": "int-or-string", "description": d]
                : ["x-kubernetes-int-or-string": true, "anyOf": [["type": "integer"], ["type": "string"]], "description": d]
        case .rawExtension:
            return ["type": "object", "description": "RawExtension is used to hold extensions in external versions."]
        case .fieldsV1:
            return ["type": "object", "description": "FieldsV1 stores a set of fields in a data structure like a Trie, in JSON format."]
        case .duration, .verbs:
            return ["type": "string"]
        }
    }

    /// `x-kubernetes-group-version-kind` of a definition: kinds and list kinds of served
    /// group-versions, and the option kinds every group-version accepts.
    private func groupVersionKinds(of name: String) -> [JSONValue] {
        let short = String(name.split(separator: ".").last ?? "")
        if name == Self.metaDeleteOptions || name == Self.metaWatchEvent {
            return ResourceCatalog.groupVersions.flatMap { gv in
                gv.versions.map { OpenAPINames.gvk(group: gv.group, version: $0, kind: short) }
            }
        }
        if name == Self.metaStatus { return [OpenAPINames.gvk(group: "", version: "v1", kind: "Status")] }
        let package = name.split(separator: ".").dropLast().joined(separator: ".")
        guard schema.isKind(name) || schema.message(name)?.hasListMeta == true,
              let gv = APISchema.groupVersion(ofPackage: package) else { return [] }
        return [OpenAPINames.gvk(group: gv.group, version: gv.version, kind: short)]
    }
}
