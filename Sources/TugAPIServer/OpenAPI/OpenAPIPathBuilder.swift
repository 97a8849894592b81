import Foundation
import TugAPI

/// Builds the REST paths of one resource: collection and item paths (namespaced and across
/// namespaces), and the `status` and `scale` subresources, each operation carrying
/// `x-kubernetes-action` and `x-kubernetes-group-version-kind` as kube-apiserver publishes them.
struct OpenAPIPathBuilder {
    let style: OpenAPIStyle
    var parameters: OpenAPIParameters { OpenAPIParameters(style: style) }

    static let patchTypes = [
        "application/json-patch+json", "application/merge-patch+json",
        "application/strategic-merge-patch+json", "application/apply-patch+yaml",
    ]
    static let bodyTypes = ["application/json", "application/yaml", "application/vnd.kubernetes.protobuf"]

    /// One operation's description: what it does and with which body and answer.
    struct Operation {
        var method: String
        var action: String
        var operationID: String
        var summary: String
        var gvk: JSONValue
        var request: String?
        var response: String
        var query: [JSONValue]
        var patchBody = false
    }

    /// Path → path item for one resource.
    func paths(for info: ResourceInfo, schema: APISchema) -> [String: JSONValue] {
        let prefix = "/" + OpenAPINames.groupVersionPath(group: info.group, version: info.version)
        let op = OpenAPINames.operationPrefix(group: info.group, version: info.version)
        let kind = info.kind
        let scope = info.namespaced ? "Namespaced" : ""
        let base = info.namespaced ? "\(prefix)/namespaces/{namespace}/\(info.resource)" : "\(prefix)/\(info.resource)"
        let object = OpenAPINames.definition(info.protobufMessage)
        let list = OpenAPINames.definition(info.protobufMessage + "List")
        let gvk = OpenAPINames.gvk(group: info.group, version: info.version, kind: kind)
        let status = OpenAPINames.definition(OpenAPISchemaBuilder.metaStatus)
        let p = parameters
        let verbs = Set(info.verbs)
        var out: [String: JSONValue] = [:]

        var collection: [Operation] = []
        if verbs.contains("list") {
            collection.append(Operation(method: "get", action: "list", operationID: "list\(op)\(scope)\(kind)",
                                        summary: "list or watch objects of kind \(kind)", gvk: gvk, response: list, query: p.listParameters))
        }
        if verbs.contains("create") {
            collection.append(Operation(method: "post", action: "post", operationID: "create\(op)\(scope)\(kind)",
                                        summary: "create a \(kind)", gvk: gvk, request: object, response: object,
                                        query: [p.dryRun, p.fieldManager, p.fieldValidation]))
        }
        if verbs.contains("deletecollection") {
            collection.append(Operation(method: "delete", action: "deletecollection", operationID: "delete\(op)Collection\(scope)\(kind)",
                                        summary: "delete collection of \(kind)", gvk: gvk,
                                        request: OpenAPINames.definition(OpenAPISchemaBuilder.metaDeleteOptions), response: status,
                                        query: p.deleteParameters + p.listParameters))
        }
        out[base] = pathItem(collection, pathParameters: info.namespaced ? [namespaceParameter] : [])
        out[base + "/{name}"] = pathItem(itemOperations(info, op: op, scope: scope, suffix: "", gvk: gvk, object: object, status: status),
                                         pathParameters: itemParameters(info))
        if info.namespaced && verbs.contains("list") {
            out["\(prefix)/\(info.resource)"] = pathItem([
                Operation(method: "get", action: "list", operationID: "list\(op)\(kind)ForAllNamespaces",
                          summary: "list or watch objects of kind \(kind)", gvk: gvk, response: list, query: p.listParameters),
            ], pathParameters: [])
        }
        if info.subresources.contains("status") {
            out[base + "/{name}/status"] = pathItem(
                itemOperations(info, op: op, scope: scope, suffix: "Status", gvk: gvk, object: object, status: status, withDelete: false),
                pathParameters: itemParameters(info))
        }
        if info.subresources.contains("scale"), schema.message("k8s.io.api.autoscaling.v1.Scale") != nil {
            let scale = OpenAPINames.definition("k8s.io.api.autoscaling.v1.Scale")
            out[base + "/{name}/scale"] = pathItem(
                itemOperations(info, op: op, scope: scope, suffix: "Scale",
                               gvk: OpenAPINames.gvk(group: "autoscaling", version: "v1", kind: "Scale"),
                               object: scale, status: status, withDelete: false),
                pathParameters: itemParameters(info))
        }
        return out
    }

    private var namespaceParameter: JSONValue { parameters.path("namespace", "object name and auth scope, such as for teams and projects") }

    private func itemParameters(_ info: ResourceInfo) -> [JSONValue] {
        let name = parameters.path("name", "name of the \(info.kind)")
        return info.namespaced ? [name, namespaceParameter] : [name]
    }

    private func itemOperations(_ info: ResourceInfo, op: String, scope: String, suffix: String, gvk: JSONValue,
                                object: String, status: String, withDelete: Bool = true) -> [Operation] {
        let kind = info.kind
        let verbs = Set(info.verbs)
        let p = parameters
        var ops: [Operation] = []
        let what = suffix.isEmpty ? "the specified \(kind)" : "\(suffix.lowercased()) of the specified \(kind)"
        if verbs.contains("get") {
            ops.append(Operation(method: "get", action: "get", operationID: "read\(op)\(scope)\(kind)\(suffix)",
                                 summary: "read \(what)", gvk: gvk, response: object, query: []))
        }
        if verbs.contains("update") {
            ops.append(Operation(method: "put", action: "put", operationID: "replace\(op)\(scope)\(kind)\(suffix)",
                                 summary: "replace \(what)", gvk: gvk, request: object, response: object,
                                 query: [p.dryRun, p.fieldManager, p.fieldValidation]))
        }
        if verbs.contains("patch") {
            ops.append(Operation(method: "patch", action: "patch", operationID: "patch\(op)\(scope)\(kind)\(suffix)",
                                 summary: "partially update \(what)", gvk: gvk, request: OpenAPISchemaBuilder.patchDefinition,
                                 response: object, query: [p.dryRun, p.fieldManager, p.fieldValidation, p.force], patchBody: true))
        }
        if withDelete && verbs.contains("delete") {
            ops.append(Operation(method: "delete", action: "delete", operationID: "delete\(op)\(scope)\(kind)",
                                 summary: "delete a \(kind)", gvk: gvk,
                                 request: OpenAPINames.definition(OpenAPISchemaBuilder.metaDeleteOptions), response: status,
                                 query: p.deleteParameters))
        }
        return ops
    }

    private func pathItem(_ operations: [Operation], pathParameters: [JSONValue]) -> JSONValue {
        var item: [String: JSONValue] = ["parameters": .array(pathParameters + [parameters.pretty])]
        for o in operations { item[o.method] = operation(o) }
        return .object(item)
    }

    private func operation(_ o: Operation) -> JSONValue {
        let tag = OpenAPINames.tag(group: o.gvk["group"]?.stringValue ?? "", version: o.gvk["version"]?.stringValue ?? "")
        var op: [String: JSONValue] = [
            "description": .string(o.summary),
            "operationId": .string(o.operationID),
            "tags": [.string(tag)],
            "x-kubernetes-action": .string(o.action),
            "x-kubernetes-group-version-kind": o.gvk,
        ]
        let responseRef = JSONValue.object(["$ref": .string(style.refPrefix + o.response)])
        let responseTypes = ["application/json", "application/yaml", "application/vnd.kubernetes.protobuf"]
        let codes = o.method == "post" ? ["200", "201", "202"] : (o.method == "put" || o.patchBody ? ["200", "201"] : ["200"])
        var parameters = o.query
        switch style {
        case .v3:
            var responses: [String: JSONValue] = ["401": ["description": "Unauthorized"]]
            for code in codes {
                responses[code] = ["description": code == "200" ? "OK" : (code == "201" ? "Created" : "Accepted"),
                                   "content": .object(Dictionary(uniqueKeysWithValues: responseTypes.map { ($0, ["schema": responseRef]) }))]
            }
            op["responses"] = .object(responses)
            if let request = o.request {
                let ref = JSONValue.object(["$ref": .string(style.refPrefix + request)])
                let types = o.patchBody ? Self.patchTypes : Self.bodyTypes
                op["requestBody"] = ["required": .bool(o.method != "delete"),
                                     "content": .object(Dictionary(uniqueKeysWithValues: types.map { ($0, ["schema": ref]) }))]
            }
        case .v2:
            var responses: [String: JSONValue] = ["401": ["description": "Unauthorized"]]
            for code in codes { responses[code] = ["description": code == "200" ? "OK" : "Created", "schema": responseRef] }
            op["responses"] = .object(responses)
            op["consumes"] = .array((o.patchBody ? Self.patchTypes : ["*/*"]).map { .string($0) })
            op["produces"] = .array(responseTypes.map { .string($0) })
            op["schemes"] = ["https"]
            if let request = o.request {
                parameters.insert(["name": "body", "in": "body", "required": .bool(o.method != "delete"),
                                   "schema": ["$ref": .string(style.refPrefix + request)]], at: 0)
            }
        }
        if !parameters.isEmpty { op["parameters"] = .array(parameters) }
        return .object(op)
    }
}
