import Foundation
import TugAPI
import TugYAML

/// Request bodies in every format clients send: JSON (also with no Content-Type), YAML and
/// Kubernetes protobuf; each turned into a JSON tree.
enum BodyDecoder {
    static let maxBodyBytes = 3 * 1024 * 1024

    /// The media type without parameters, lower-cased (`application/json`).
    static func mediaType(_ contentType: String?) -> String {
        guard let ct = contentType else { return "" }
        return ct.split(separator: ";").first.map { $0.trimmingCharacters(in: .whitespaces).lowercased() } ?? ""
    }

    static func decodeObject(_ body: [UInt8], contentType: String?) throws -> JSONValue {
        let mt = mediaType(contentType)
        switch mt {
        case "", "application/json", "*/*", "text/json":
            return try parseJSON(body)
        case "application/yaml", "application/x-yaml", "text/yaml":
            return try parseYAML(body)
        case "application/vnd.kubernetes.protobuf":
            return try KubernetesProtobuf.decode(body).object
        default:
            throw APIError.unsupportedMediaType(contentType ?? "")
        }
    }

    static func decodePatch(_ body: [UInt8], contentType: String?) throws -> PatchRequest {
        let mt = mediaType(contentType)
        guard let kind = PatchRequest.Kind(rawValue: mt) else {
            throw APIError(code: 415, reason: "UnsupportedMediaType",
                           message: "the body of the request was in an unknown format - accepted media types include: application/json-patch+json, application/merge-patch+json, application/apply-patch+yaml, application/strategic-merge-patch+json (got \"\(contentType ?? "")\")")
        }
        let value = kind == .apply ? try parseYAML(body) : try parseJSON(body)
        return PatchRequest(kind: kind, body: value)
    }

    static func parseJSON(_ body: [UInt8]) throws -> JSONValue {
        if body.allSatisfy({ $0 == 32 || $0 == 10 || $0 == 13 || $0 == 9 }) {
            throw APIError.badRequest("the request body is empty; send a JSON or YAML object")
        }
        do {
            return try JSONValue(parsing: Data(body))
        } catch let e as DecodingError {
            throw APIError.badRequest(ObjectDecoding.describe(e))
        }
    }

    /// YAML (and JSON, which is YAML) into a tree; one document only.
    static func parseYAML(_ body: [UInt8]) throws -> JSONValue {
        guard let text = String(bytes: body, encoding: .utf8) else { throw APIError.badRequest("the request body is not UTF-8 text") }
        let tree: JSONValue?
        do { tree = try YAMLTree.parse(text) } catch { throw APIError.badRequest(error.message) }
        guard let tree else { throw APIError.badRequest("the request body is empty; send a JSON or YAML object") }
        return tree
    }
}
