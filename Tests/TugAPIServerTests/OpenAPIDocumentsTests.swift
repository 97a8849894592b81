import Foundation
import Testing
import TugAPI
@testable import TugAPIServer

@Suite struct OpenAPIDocumentsTests {
    func parse(_ data: Data?) throws -> JSONValue { try JSONValue(parsing: try #require(data)) }

    @Test func indexListsEveryGroupVersion() throws {
        let index = try parse(OpenAPIDocuments.v3Index())
        let paths = try #require(index["paths"]?.objectValue)
        #expect(paths["api/v1"] != nil)
        #expect(paths["apis/apps/v1"] != nil)
        #expect(paths["apis/autoscaling/v2"] != nil && paths["apis/autoscaling/v1"] != nil)
        for gv in ResourceCatalog.groupVersions {
            for version in gv.versions {
                let path = gv.group.isEmpty ? "api/\(version)" : "apis/\(gv.group)/\(version)"
                let url = try #require(paths[path]?["serverRelativeURL"]?.stringValue)
                let hash = try #require(OpenAPIDocuments.v3Hash(groupVersionPath: path))
                #expect(url == "/openapi/v3/\(path)?hash=\(hash)")
                #expect(OpenAPIDocuments.v3(groupVersionPath: url) != nil)
            }
        }
        #expect(paths.count == OpenAPIDocuments.groupVersionPaths.count)
        #expect(OpenAPIDocuments.v3(groupVersionPath: "apis/nope/v1") == nil)
        #expect(OpenAPIDocuments.v3(groupVersionPath: "/openapi/v3/apis/apps/v1?hash=x") == OpenAPIDocuments.v3(groupVersionPath: "apis/apps/v1"))
    }

    /// What kubectl's field-validation check looks for (cli-runtime's query param verifier).
    @Test func deploymentPatchCarriesGVKAndFieldValidation() throws {
        let doc = try parse(OpenAPIDocuments.v3(groupVersionPath: "apis/apps/v1"))
        #expect(doc["openapi"]?.stringValue?.hasPrefix("3.") == true)
        let patch = try #require(doc["paths"]?["/apis/apps/v1/namespaces/{namespace}/deployments/{name}"]?["patch"])
        #expect(patch["x-kubernetes-group-version-kind"] == ["group": "apps", "version": "v1", "kind": "Deployment"])
        #expect(patch["x-kubernetes-action"] == "patch")
        let params = try #require(patch["parameters"]?.arrayValue)
        #expect(params.contains { $0["name"] == "fieldValidation" && $0["in"] == "query" })
        #expect(params.contains { $0["name"] == "fieldManager" } && params.contains { $0["name"] == "force" } && params.contains { $0["name"] == "dryRun" })
        let content = try #require(patch["requestBody"]?["content"]?.objectValue)
        for type in ["application/json-patch+json", "application/merge-patch+json", "application/strategic-merge-patch+json", "application/apply-patch+yaml"] {
            #expect(content[type] != nil, "missing \(type)")
        }
        // Every kind of every group-version has such a PATCH operation.
        for info in ResourceCatalog.all where info.verbs.contains("patch") {
            let gv = try parse(OpenAPIDocuments.v3(groupVersionPath: info.group.isEmpty ? "api/\(info.version)" : "apis/\(info.group)/\(info.version)"))
            let gvk: JSONValue = ["group": .string(info.group), "version": .string(info.version), "kind": .string(info.kind)]
            let found = try #require(gv["paths"]?.objectValue).values.contains { item in
                item["patch"]?["x-kubernetes-group-version-kind"] == gvk
                    && item["patch"]?["parameters"]?.arrayValue?.contains { $0["name"] == "fieldValidation" } == true
            }
            #expect(found, "no PATCH with fieldValidation for \(info.apiVersion) \(info.kind)")
        }
    }

    @Test func podSchemaReachesContainers() throws {
        let doc = try parse(OpenAPIDocuments.v3(groupVersionPath: "api/v1"))
        let schemas = try #require(doc["components"]?["schemas"])
        let pod = try #require(schemas["io.k8s.api.core.v1.Pod"])
        #expect(pod["x-kubernetes-group-version-kind"] == [["group": "", "version": "v1", "kind": "Pod"]])
        #expect(pod["properties"]?["apiVersion"]?["type"] == "string")
        #expect(pod["properties"]?["metadata"]?["allOf"]?.arrayValue?.first?["$ref"] == "#/components/schemas/io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta")
        let specRef = try #require(pod["properties"]?["spec"]?["allOf"]?.arrayValue?.first?["$ref"]?.stringValue)
        let spec = try #require(schemas[String(specRef.dropFirst("#/components/schemas/".count))])
        let containers = try #require(spec["properties"]?["containers"])
        #expect(containers["type"] == "array")
        #expect(containers["x-kubernetes-patch-merge-key"] == "name")
        #expect(containers["x-kubernetes-patch-strategy"] == "merge")
        #expect(containers["items"]?["allOf"]?.arrayValue?.first?["$ref"] == "#/components/schemas/io.k8s.api.core.v1.Container")
        let container = try #require(schemas["io.k8s.api.core.v1.Container"])
        #expect(container["properties"]?["name"]?["type"] == "string")
        #expect(container["properties"]?["image"]?["type"] == "string")
        #expect(container["properties"]?["ports"]?["items"] != nil)
        #expect(schemas["io.k8s.apimachinery.pkg.util.intstr.IntOrString"]?["x-kubernetes-int-or-string"] == true)
        #expect(schemas["io.k8s.apimachinery.pkg.apis.meta.v1.Time"]?["format"] == "date-time")
        let meta = try #require(schemas["io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta"])
        #expect(meta["properties"]?["generation"] == ["type": "integer", "format": "int64"])
        #expect(meta["properties"]?["labels"]?["additionalProperties"]?["type"] == "string")
    }

    /// `kubectl explain` prints `-required-` from these; client-side validation enforces them.
    @Test func requiredFieldsAreMarked() throws {
        let doc = try parse(OpenAPIDocuments.v3(groupVersionPath: "api/v1"))
        let schemas = try #require(doc["components"]?["schemas"])
        #expect(schemas["io.k8s.api.core.v1.Container"]?["required"] == ["name"])
        #expect(schemas["io.k8s.api.core.v1.PodSpec"]?["required"] == ["containers"])
        #expect(schemas["io.k8s.api.core.v1.PodStatus"]?["required"] == nil)
        let apps = try parse(OpenAPIDocuments.v3(groupVersionPath: "apis/apps/v1"))
        #expect(apps["components"]?["schemas"]?["io.k8s.api.apps.v1.DeploymentSpec"]?["required"] == ["selector", "template"])
    }

    /// Follows a field path the way `kubectl explain` does: properties, `$ref`, `allOf`, `items`.
    @Test func explainPathResolves() throws {
        let doc = try parse(OpenAPIDocuments.v3(groupVersionPath: "api/v1"))
        let schemas = try #require(doc["components"]?["schemas"]?.objectValue)
        func resolve(_ s: JSONValue) -> JSONValue {
            if let ref = s["$ref"]?.stringValue { return schemas[String(ref.split(separator: "/").last!)] ?? s }
            if let first = s["allOf"]?.arrayValue?.first, s["properties"] == nil { return resolve(first) }
            if let items = s["items"] { return resolve(items) }
            return s
        }
        let pod = try #require(schemas.values.first { $0["x-kubernetes-group-version-kind"]?.arrayValue?.contains(["group": "", "version": "v1", "kind": "Pod"]) == true })
        var current = pod
        for field in ["spec", "containers", "livenessProbe", "httpGet", "port"] {
            current = resolve(try #require(resolve(current)["properties"]?[field], "no field \(field)"))
        }
        #expect(current["x-kubernetes-int-or-string"] == true)
    }

    @Test func everyReferenceResolvesAndOperationIDsAreUnique() throws {
        for path in OpenAPIDocuments.groupVersionPaths {
            let doc = try parse(OpenAPIDocuments.v3(groupVersionPath: path))
            let names = Set(try #require(doc["components"]?["schemas"]?.objectValue).keys)
            var refs: [String] = []
            collectRefs(doc, into: &refs)
            for ref in refs {
                #expect(ref.hasPrefix("#/components/schemas/") && names.contains(String(ref.dropFirst(21))), "\(path): dangling \(ref)")
            }
            var ids: [String] = []
            for item in try #require(doc["paths"]?.objectValue).values {
                for method in ["get", "put", "post", "patch", "delete"] {
                    if let id = item[method]?["operationId"]?.stringValue { ids.append(id) }
                }
            }
            #expect(Set(ids).count == ids.count, "\(path): duplicate operation ids")
        }
        let v2 = try parse(OpenAPIDocuments.v2())
        let definitions = Set(try #require(v2["definitions"]?.objectValue).keys)
        var refs: [String] = []
        collectRefs(v2, into: &refs)
        for ref in refs { #expect(ref.hasPrefix("#/definitions/") && definitions.contains(String(ref.dropFirst(14))), "v2: dangling \(ref)") }
    }

    @Test func swaggerV2Document() throws {
        let doc = try parse(OpenAPIDocuments.v2())
        #expect(doc["swagger"] == "2.0")
        #expect(doc["definitions"]?["io.k8s.apimachinery.pkg.runtime.RawExtension"]?["type"] == "object")
        let deployment = try #require(doc["definitions"]?["io.k8s.api.apps.v1.Deployment"])
        #expect(deployment["x-kubernetes-group-version-kind"] == [["group": "apps", "version": "v1", "kind": "Deployment"]])
        #expect(deployment["properties"]?["spec"]?["$ref"] == "#/definitions/io.k8s.api.apps.v1.DeploymentSpec")
        let post = try #require(doc["paths"]?["/api/v1/namespaces/{namespace}/pods"]?["post"])
        #expect(post["x-kubernetes-group-version-kind"] == ["group": "", "version": "v1", "kind": "Pod"])
        #expect(post["parameters"]?.arrayValue?.first?["in"] == "body")
        let scale = try #require(doc["paths"]?["/apis/apps/v1/namespaces/{namespace}/deployments/{name}/scale"]?["patch"])
        #expect(scale["x-kubernetes-group-version-kind"] == ["group": "autoscaling", "version": "v1", "kind": "Scale"])
    }

    private func collectRefs(_ value: JSONValue, into refs: inout [String]) {
        switch value {
        case .object(let o):
            for (k, v) in o {
                if k == "$ref", let s = v.stringValue { refs.append(s) } else { collectRefs(v, into: &refs) }
            }
        case .array(let a):
            for v in a { collectRefs(v, into: &refs) }
        default:
            break
        }
    }
}
