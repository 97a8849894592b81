import TugAPI

/// The errors patching answers with, in Kubernetes' words and codes.
enum PatchErrors {
    /// kube-apiserver's generic 422 for a patch that cannot be applied (a failed `test`, a missing
    /// path, a list of lists). Its message never says more; the specific reason rides in a cause.
    static func unprocessable(_ detail: String, field: String = "") -> APIError {
        APIError(code: 422, reason: "Invalid", message: "the server rejected our request due to an error in our request",
                 details: .init(causes: [.init(reason: "FieldValueInvalid", message: detail, field: field)]))
    }

    /// A malformed patch document (400 BadRequest with the decoder's message).
    static func badRequest(_ message: String) -> APIError {
        APIError.badRequest(message)
    }

    // Strategic merge patch errors, as `mergepatch` spells them.
    static let badJSONDoc = badRequest("invalid JSON document")
    static let badPrimitiveListFormat = badRequest("invalid patch format of primitive list")
    static let badRetainKeysFormat = badRequest("invalid patch format of retainKeys")
    static let badSetElementOrderFormat = badRequest("invalid patch format of setElementOrder list")
    static let noListOfLists = unprocessable("lists of lists are not supported")

    static func noMergeKey(_ map: [String: JSONValue], _ key: String) -> APIError {
        badRequest("map: \(JSONValue.object(map).goDescription) does not contain declared merge key: \(key)")
    }

    static func badPatchType(_ directive: JSONValue, _ map: [String: JSONValue]) -> APIError {
        badRequest("unknown patch type: \(directive.goDescription) in map: \(JSONValue.object(map).goDescription)")
    }

    /// `expected a []interface {}, but received a string` style type mismatches.
    static func badArgType(expected: String, _ actual: JSONValue) -> APIError {
        let got: String
        switch actual {
        case .null: got = "<nil>"
        case .bool: got = "bool"
        case .int: got = "int64"
        case .double: got = "float64"
        case .string: got = "string"
        case .array: got = "[]interface {}"
        case .object: got = "map[string]interface {}"
        }
        return badRequest("expected a \(expected), but received a \(got)")
    }
}
