import Foundation
import TugAPI

/// The OpenAPI documents the API server publishes, built once from `APISchema` and
/// `ResourceCatalog` and kept as bytes:
/// - `GET /openapi/v3` → `v3Index()`, listing each group-version's document URL with a content hash;
/// - `GET /openapi/v3/api/v1`, `/openapi/v3/apis/apps/v1` → `v3(groupVersionPath:)`;
/// - `GET /openapi/v2` → `v2()`, or `v2Protobuf()` when the client asks for gnostic's protobuf
///   (`OpenAPIV2Serving` negotiates; both carry the ETag `v2ETag`).
/// kubectl reads the v3 documents to validate (`fieldValidation` on the PATCH operation of a
/// kind), to compute `apply` patches (merge keys) and for `kubectl explain`.
public enum OpenAPIDocuments {
    /// The `/openapi/v3` index: `{"paths": {"apis/apps/v1": {"serverRelativeURL": "/openapi/v3/apis/apps/v1?hash=…"}}}`.
    public static func v3Index() -> Data { cache.v3Index }

    /// The OpenAPI 3.0 document of one group-version (`api/v1`, `apis/apps/v1`); nil when not served.
    /// A trailing `?hash=…` or surrounding slashes are ignored.
    public static func v3(groupVersionPath: String) -> Data? {
        var path = Substring(groupVersionPath)
        if let q = path.firstIndex(of: "?") { path = path[..<q] }
        while path.hasPrefix("/") { path = path.dropFirst() }
        while path.hasSuffix("/") { path = path.dropLast() }
        if path.hasPrefix("openapi/v3/") { path = path.dropFirst("openapi/v3/".count) }
        return cache.v3Documents[String(path)]
    }

    /// The content hash the index advertises for a group-version document (upper-case hex).
    public static func v3Hash(groupVersionPath: String) -> String? { cache.v3Hashes[groupVersionPath] }

    /// The single Swagger 2.0 document of every served group-version.
    public static func v2() -> Data { cache.v2 }

    /// The same document as gnostic's protobuf `openapi.v2.Document`, made from the same tree on
    /// first use (only clients validating `kind: List` manifests ask for it).
    public static func v2Protobuf() -> Data { v2ProtobufCache.bytes }

    /// The fingerprint of the v2 document, its ETag in either form (the documents are built from
    /// the compiled-in schema, so it changes only with the binary).
    public static var v2ETag: String { cache.v2Hash }

    /// When the v2 document was built, its `Last-Modified`.
    static var v2BuiltAt: Date { cache.builtAt }

    /// The group-version paths with a v3 document, in discovery order.
    public static var groupVersionPaths: [String] {
        ResourceCatalog.groupVersions.flatMap { gv in gv.versions.map { OpenAPINames.groupVersionPath(group: gv.group, version: $0) } }
    }

    private static let cache = Cache(schema: .shared)
    private static let v2ProtobufCache = V2Protobuf(schema: .shared)

    /// The gnostic encoding of the v2 tree, and the members it could not carry (none for the
    /// documents built here; a test holds it to that).
    struct V2Protobuf: Sendable {
        let bytes: Data
        let unmapped: [String]

        init(schema: APISchema) {
            let tree = OpenAPIDocumentBuilder(schema: schema, style: .v2).document(resources: ResourceCatalog.all)
            let (bytes, unmapped) = GnosticV2Encoder.encode(tree)
            self.bytes = Data(bytes)
            self.unmapped = unmapped
        }
    }

    /// What the protobuf encoding of the served v2 document left out.
    static var v2ProtobufUnmapped: [String] { v2ProtobufCache.unmapped }

    private struct Cache: Sendable {
        let v3Documents: [String: Data]
        let v3Hashes: [String: String]
        let v3Index: Data
        let v2: Data
        let v2Hash: String
        let builtAt: Date

        init(schema: APISchema) {
            var docs: [String: Data] = [:]
            var hashes: [String: String] = [:]
            var index: [String: JSONValue] = [:]
            for gv in ResourceCatalog.groupVersions {
                for version in gv.versions {
                    let path = OpenAPINames.groupVersionPath(group: gv.group, version: version)
                    let data = OpenAPIDocumentBuilder(schema: schema, style: .v3)
                        .document(resources: ResourceCatalog.resources(group: gv.group, version: version)).serialized()
                    let hash = Self.hash(data)
                    docs[path] = data
                    hashes[path] = hash
                    index[path] = ["serverRelativeURL": .string("/openapi/v3/\(path)?hash=\(hash)")]
                }
            }
            v3Documents = docs
            v3Hashes = hashes
            v3Index = JSONValue.object(["paths": .object(index)]).serialized()
            v2 = OpenAPIDocumentBuilder(schema: schema, style: .v2).document(resources: ResourceCatalog.all).serialized()
            v2Hash = Self.hash(v2)
            builtAt = Date()
        }

        /// Two FNV-1a 64-bit hashes with different offsets: a stable content fingerprint
        /// (clients only compare it; it need not be cryptographic).
        static func hash(_ data: Data) -> String {
            var a: UInt64 = 0xcbf2_9ce4_8422_2325
            var b: UInt64 = 0x8422_2325_cbf2_9ce4
            for byte in data {
                a = (a ^ UInt64(byte)) &* 0x0000_0100_0000_01b3
                b = (b ^ UInt64(byte)) &* 0x0000_0100_0000_01b3
            }
            func hex(_ v: UInt64) -> String {
                let s = String(v, radix: 16, uppercase: true)
                return String(repeating: "0", count: 16 - s.count) + s
            }
            return hex(a) + hex(b)
        }
    }
}

/// Assembles one OpenAPI document from the resources it covers.
struct OpenAPIDocumentBuilder {
    let schema: APISchema
    let style: OpenAPIStyle

    func document(resources: [ResourceInfo]) -> JSONValue {
        let paths = OpenAPIPathBuilder(style: style)
        var allPaths: [String: JSONValue] = [:]
        var roots = [OpenAPISchemaBuilder.metaStatus, OpenAPISchemaBuilder.metaDeleteOptions, OpenAPISchemaBuilder.metaWatchEvent]
        for info in resources {
            allPaths.merge(paths.paths(for: info, schema: schema)) { _, new in new }
            roots += [info.protobufMessage, info.protobufMessage + "List"]
            if info.subresources.contains("scale") { roots.append("k8s.io.api.autoscaling.v1.Scale") }
        }
        let builder = OpenAPISchemaBuilder(schema: schema, style: style)
        let definitions = builder.definitions(builder.closure(of: roots.filter { schema.message($0) != nil }))
        let title: JSONValue = "Kubernetes"
        let version: JSONValue = "unversioned"
        switch style {
        case .v3:
            return ["openapi": "3.0.0", "info": ["title": title, "version": version],
                    "paths": .object(allPaths), "components": ["schemas": .object(definitions)]]
        case .v2:
            return ["swagger": "2.0", "info": ["title": title, "version": version],
                    "paths": .object(allPaths), "definitions": .object(definitions)]
        }
    }
}
