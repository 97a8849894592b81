import Foundation
import TugAPI
import Yams

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
        let node: Yams.Node?
        do {
            node = try Yams.compose(yaml: text)
        } catch {
            throw APIError.badRequest("error converting YAML to JSON: \(error)")
        }
        guard let node else { throw APIError.badRequest("the request body is empty; send a JSON or YAML object") }
        return try convert(node)
    }

    static func convert(_ node: Yams.Node) throws -> JSONValue {
        switch node {
        case .mapping(let m):
            var o: [String: JSONValue] = [:]
            for (k, v) in m {
                guard let key = k.scalar?.string else { throw APIError.badRequest("error converting YAML to JSON: map keys must be strings") }
                o[key] = try convert(v)
            }
            return .object(o)
        case .sequence(let s):
            return .array(try s.map(convert))
        case .scalar(let s):
            if s.style == .doubleQuoted || s.style == .singleQuoted || s.style == .literal || s.style == .folded {
                return .string(s.string)
            }
            let t = s.string
            switch t {
            case "null", "Null", "NULL", "~", "": return s.tag.description.hasSuffix(":str") ? .string(t) : .null
            case "true", "True", "TRUE": return .bool(true)
            case "false", "False", "FALSE": return .bool(false)
            default: break
            }
            if let i = Int64(t) { return .int(i) }
            if t.first.map({ $0.isNumber || $0 == "-" || $0 == "+" || $0 == "." }) == true, let d = Double(t), !t.contains("_") {
                return .double(d)
            }
            return .string(t)
        case .alias:
            throw APIError.badRequest("error converting YAML to JSON: aliases are not supported")
        }
    }
}
