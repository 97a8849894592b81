import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Logging
import Testing
import TugAPI
import TugStore
import TugYAML
@testable import TugAPIServer

/// `GET /openapi/v2` in gnostic's protobuf form, as client-go asks for it before kubectl
/// validates a `kind: List` manifest, and the Accept negotiation around it.
@Suite struct OpenAPIV2ProtobufTests {
    static let clientGoAccept = "application/com.github.proto-openapi.spec.v2@v1.0+protobuf"

    /// Sends `GET /openapi/v2` with `headers` through the server's router.
    func get(_ headers: HTTPFields) async throws -> (status: Int, headers: HTTPFields, body: [UInt8]) {
        let core = APIServerCore(store: MemoryStore(), serverAddress: "http://127.0.0.1:0", logger: Logger(label: "test"))
        let app = Application(responder: APIResponder(core: core))
        return try await app.test(.router) { client in
            try await client.execute(uri: "/openapi/v2", method: .get, headers: headers) { response in
                (Int(response.status.code), response.headers, Array(buffer: response.body))
            }
        }
    }

    func definition(_ doc: GnosticTestMessage, _ name: String) throws -> GnosticTestMessage {
        let definitions = try #require(try doc.message(9), "no definitions")
        return try #require(try definitions.named(1, name), "no definition \(name)")
    }

    /// The YAML of a schema's vendor extension, parsed.
    func extensionValue(_ schema: GnosticTestMessage, _ name: String) throws -> JSONValue? {
        guard let any = try schema.named(31, name) else { return nil }
        return try YAMLTree.parse(any.string(2))
    }

    @Test func protobufDocumentDescribesConfigMap() async throws {
        let (status, headers, body) = try await get([.accept: Self.clientGoAccept])
        #expect(status == 200)
        #expect(headers[.contentType] == "application/com.github.proto-openapi.spec.v2.v1.0+protobuf")
        #expect(headers[.eTag] == "\"\(OpenAPIDocuments.v2ETag)\"")
        #expect(headers[.vary] == "Accept")

        let doc = try GnosticTestMessage(body)
        #expect(doc.string(1) == "2.0")
        #expect(try doc.message(2)?.string(1) == "Kubernetes")

        let configMap = try definition(doc, "io.k8s.api.core.v1.ConfigMap")
        #expect(try configMap.message(22)?.strings(1) == ["object"])
        let properties = try #require(try configMap.message(25))
        #expect(try properties.names(1).contains("binaryData"))
        let data = try #require(try properties.named(1, "data"))
        #expect(try data.message(22)?.strings(1) == ["object"])
        let valueSchema = try #require(try data.message(21)?.message(1), "data has no additionalProperties schema")
        #expect(try valueSchema.message(22)?.strings(1) == ["string"])
        #expect(try extensionValue(configMap, "x-kubernetes-group-version-kind") == [["group": "", "version": "v1", "kind": "ConfigMap"]])

        // References stay bare `$ref`s (kube-openapi rejects a reference with a type).
        let metadata = try #require(try properties.named(1, "metadata"))
        #expect(metadata.string(1) == "#/definitions/io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta")
        #expect(!metadata.has(22))
        // Arrays carry one item schema; required fields and merge extensions come along.
        let containers = try #require(try definition(doc, "io.k8s.api.core.v1.PodSpec").message(25)?.named(1, "containers"))
        #expect(try containers.message(22)?.strings(1) == ["array"])
        #expect(try containers.message(23)?.messages(1).map { $0.string(1) } == ["#/definitions/io.k8s.api.core.v1.Container"])
        #expect(try extensionValue(containers, "x-kubernetes-patch-merge-key") == "name")
        #expect(try definition(doc, "io.k8s.api.core.v1.PodSpec").strings(19) == ["containers"])
        let deployment = try definition(doc, "io.k8s.api.apps.v1.Deployment")
        #expect(try extensionValue(deployment, "x-kubernetes-group-version-kind") == [["group": "apps", "version": "v1", "kind": "Deployment"]])
    }

    /// What kubectl's `GetConsumes` reads: the PATCH operation of a kind, with its GVK extension.
    @Test func protobufDocumentCarriesPaths() async throws {
        let doc = try GnosticTestMessage(try await get([.accept: Self.clientGoAccept]).body)
        let paths = try #require(try doc.message(8))
        let item = try #require(try paths.named(2, "/apis/apps/v1/namespaces/{namespace}/deployments/{name}"))
        let patch = try #require(try item.message(8))
        #expect(patch.string(5) == "patchAppsV1NamespacedDeployment")
        #expect(patch.strings(7).contains("application/strategic-merge-patch+json"))
        let gvk = try #require(try patch.named(13, "x-kubernetes-group-version-kind"))
        #expect(try YAMLTree.parse(gvk.string(2)) == ["group": "apps", "version": "v1", "kind": "Deployment"])
        // The body parameter and a query parameter, each in its oneof branch.
        let parameters = try patch.messages(8).compactMap { try $0.message(1) }
        let body = try #require(try parameters.compactMap { try $0.message(1) }.first)
        #expect(body.string(2) == "body" && body.string(3) == "body" && body.varint(4) == 1)
        #expect(try body.message(5)?.string(1) == "#/definitions/io.k8s.apimachinery.pkg.apis.meta.v1.Patch")
        let queries = try parameters.compactMap { try $0.message(2)?.message(3) }
        #expect(queries.contains { $0.string(4) == "fieldValidation" && $0.string(2) == "query" && $0.string(6) == "string" })
        let ok = try #require(try patch.message(9)?.named(1, "200")?.message(1))
        #expect(ok.string(1) == "OK")
        #expect(try ok.message(2)?.message(1)?.string(1) == "#/definitions/io.k8s.api.apps.v1.Deployment")
        let pathParameters = try item.messages(9).compactMap { try $0.message(1)?.message(2)?.message(4) }
        #expect(pathParameters.contains { $0.string(4) == "name" && $0.varint(1) == 1 })
    }

    /// Every member of the served JSON document has its place in the protobuf one.
    @Test func protobufDocumentCarriesEverything() throws {
        #expect(OpenAPIDocuments.v2ProtobufUnmapped == [])
        let json = try JSONValue(parsing: OpenAPIDocuments.v2())
        let doc = try GnosticTestMessage(Array(OpenAPIDocuments.v2Protobuf()))
        let definitions = try #require(try doc.message(9))
        let paths = try #require(try doc.message(8))
        let jsonDefinitions = try #require(json["definitions"]?.objectValue)
        let jsonPaths = try #require(json["paths"]?.objectValue)
        #expect(try Set(definitions.names(1)) == Set(jsonDefinitions.keys))
        #expect(try Set(paths.names(2)) == Set(jsonPaths.keys))
    }

    @Test func acceptNegotiation() async throws {
        let json = try await get([:])
        #expect(json.status == 200 && json.headers[.contentType] == "application/json")
        #expect(try JSONValue(parsing: json.body)["swagger"] == "2.0")
        #expect(json.headers[.eTag] == "\"\(OpenAPIDocuments.v2ETag)\"")
        #expect(try await get([.accept: "application/json"]).headers[.contentType] == "application/json")
        #expect(try await get([.accept: "*/*"]).headers[.contentType] == "application/json")

        let protobuf = "application/com.github.proto-openapi.spec.v2.v1.0+protobuf"
        let dotted = try await get([.accept: protobuf])
        #expect(dotted.headers[.contentType] == protobuf)
        #expect(Data(dotted.body) == OpenAPIDocuments.v2Protobuf())
        #expect(try await get([.accept: "application/json;q=0.5, \(Self.clientGoAccept)"]).headers[.contentType] == protobuf)
        #expect(try await get([.accept: "\(Self.clientGoAccept);q=0, application/json"]).headers[.contentType] == "application/json")

        let refused = try await get([.accept: "text/html"])
        #expect(refused.status == 406)
        #expect(String(decoding: refused.body, as: UTF8.self).contains("text/html"))

        let cached = try await get([.accept: Self.clientGoAccept, .ifNoneMatch: "\"\(OpenAPIDocuments.v2ETag)\""])
        #expect(cached.status == 304 && cached.body.isEmpty)
        #expect(try await get([.accept: Self.clientGoAccept, .ifNoneMatch: "\"stale\""]).status == 200)
    }

    @Test func mediaRangesOrderByQualityThenSpecificity() {
        let ranges = MediaRange.parse("*/*;q=0.8, text/*, application/JSON;q=0.9, text/html, bad, image/png;q=0")
        #expect(ranges.map { "\($0.type)/\($0.subtype)" } == ["text/html", "text/*", "application/json", "*/*"])
        #expect(OpenAPIV2Serving.format(accept: nil) == .json)
        #expect(OpenAPIV2Serving.format(accept: "application/*") == .json)
        #expect(OpenAPIV2Serving.format(accept: "application/yaml") == nil)
    }

    /// Shapes the served document does not use but gnostic defines: each lands in its field.
    @Test func encoderMapsSchemaShapes() throws {
        let tree: JSONValue = [
            "swagger": "2.0", "info": ["title": "t", "version": "v"],
            "definitions": [
                "Closed": ["type": "object", "additionalProperties": false, "properties": [:], "minProperties": 2],
                "Number": ["type": ["number", "null"], "maximum": 2.5, "default": 1.5, "enum": [1, "two"]],
            ],
            "paths": [:],
            "x-custom": ["a": true],
            "nullable": true,
        ]
        let (bytes, unmapped) = GnosticV2Encoder.encode(tree)
        #expect(unmapped == ["nullable"])
        let doc = try GnosticTestMessage(bytes)
        let closed = try definition(doc, "Closed")
        #expect(try closed.message(21)?.varint(2) == 0)  // the oneof's boolean, written although false
        #expect(closed.has(25))  // empty properties still present: kubectl then reads a kind, not a map
        #expect(closed.varint(18) == 2)
        let number = try definition(doc, "Number")
        #expect(try number.message(22)?.strings(1) == ["number", "null"])
        if case .fixed64(let bits)? = number.fields[7]?.last { #expect(Double(bitPattern: bits) == 2.5) } else { Issue.record("no maximum") }
        #expect(try YAMLTree.parse(number.message(5)?.string(2) ?? "") == 1.5)
        #expect(try number.messages(20).map { try YAMLTree.parse($0.string(2)) } == [1, "two"])
        #expect(try YAMLTree.parse(try #require(try doc.named(16, "x-custom")).string(2)) == ["a": true])
    }

    /// The YAML in `Any` reads back as the same value, strings keeping their type.
    @Test func anyYAMLRoundTrips() throws {
        let value: JSONValue = [
            "strings": ["", "true", "1", "null", "a: b", "say \"hi\"\\", "line\nbreak\ttab", "é ✓ 🚢", "\u{1}\u{7f}\u{feff}"],
            "numbers": [0, -3, 2.0, 0.25, 1e-5, 1e20], "flags": [true, false], "nothing": nil, "nested": [["k": []], [:]],
        ]
        #expect(try YAMLTree.parse(GnosticYAML.text(value)) == value)
        #expect(GnosticYAML.text([["group": "", "kind": "ConfigMap", "version": "v1"]])
            == "[{\"group\": \"\", \"kind\": \"ConfigMap\", \"version\": \"v1\"}]\n")
    }
}
