import Foundation

/// An error a client sees as a Kubernetes `Status` (`kind: Status`, `status: Failure`), with the
/// HTTP code equal to `code`. Every failure a user can cause is thrown as one of these.
public struct APIError: Error, Sendable, Hashable, CustomStringConvertible {
    public var code: Int
    /// `NotFound`, `AlreadyExists`, `Conflict`, `Invalid`, `BadRequest`, `Expired`, ...
    public var reason: String
    public var message: String
    public var details: Details?

    public struct Details: Sendable, Hashable {
        public var name: String?
        public var group: String?
        public var kind: String?
        public var causes: [Cause]
        public var retryAfterSeconds: Int?
        public init(name: String? = nil, group: String? = nil, kind: String? = nil, causes: [Cause] = [], retryAfterSeconds: Int? = nil) {
            self.name = name
            self.group = group
            self.kind = kind
            self.causes = causes
            self.retryAfterSeconds = retryAfterSeconds
        }
    }

    /// One reason an object is invalid: `reason` is a `FieldValueRequired`-style cause type.
    public struct Cause: Sendable, Hashable {
        public var reason: String
        public var message: String
        public var field: String
        public init(reason: String, message: String, field: String) {
            self.reason = reason
            self.message = message
            self.field = field
        }
    }

    public init(code: Int, reason: String, message: String, details: Details? = nil) {
        self.code = code
        self.reason = reason
        self.message = message
        self.details = details
    }

    public var description: String { "\(reason) (\(code)): \(message)" }

    /// The `Status` object sent to clients.
    public var status: JSONValue {
        var o: [String: JSONValue] = [
            "kind": "Status", "apiVersion": "v1", "metadata": .object([:]),
            "status": "Failure", "message": .string(message), "reason": .string(reason), "code": .int(Int64(code)),
        ]
        if let d = details {
            var dj: [String: JSONValue] = [:]
            if let n = d.name { dj["name"] = .string(n) }
            if let g = d.group { dj["group"] = .string(g) }
            if let k = d.kind { dj["kind"] = .string(k) }
            if let r = d.retryAfterSeconds { dj["retryAfterSeconds"] = .int(Int64(r)) }
            if !d.causes.isEmpty {
                dj["causes"] = .array(d.causes.map { .object(["reason": .string($0.reason), "message": .string($0.message), "field": .string($0.field)]) })
            }
            o["details"] = .object(dj)
        }
        return .object(o)
    }
}

extension APIError {
    /// `pods "x" not found`
    public static func notFound(_ resource: GroupResourceName, _ name: String) -> APIError {
        APIError(code: 404, reason: "NotFound", message: "\(resource.display) \"\(name)\" not found",
                 details: Details(name: name, group: resource.group, kind: resource.resource))
    }
    public static func alreadyExists(_ resource: GroupResourceName, _ name: String) -> APIError {
        APIError(code: 409, reason: "AlreadyExists", message: "\(resource.display) \"\(name)\" already exists",
                 details: Details(name: name, group: resource.group, kind: resource.resource))
    }
    public static func conflict(_ resource: GroupResourceName, _ name: String, _ why: String) -> APIError {
        APIError(code: 409, reason: "Conflict",
                 message: "Operation cannot be fulfilled on \(resource.display) \"\(name)\": \(why)",
                 details: Details(name: name, group: resource.group, kind: resource.resource))
    }
    /// 422 with one cause per bad field; the message lists them the way kube-apiserver does.
    public static func invalid(kind: String, group: String, name: String, _ errors: [FieldError]) -> APIError {
        let list = errors.map { $0.description }.joined(separator: ", ")
        let summary = errors.count == 1 ? list : "[\(list)]"
        return APIError(code: 422, reason: "Invalid", message: "\(kind) \"\(name)\" is invalid: \(summary)",
                        details: Details(name: name, group: group, kind: kind,
                                         causes: errors.map { Cause(reason: $0.type.rawValue, message: $0.description, field: $0.field) }))
    }
    public static func badRequest(_ message: String) -> APIError {
        APIError(code: 400, reason: "BadRequest", message: message)
    }
    public static func expired(_ message: String) -> APIError {
        APIError(code: 410, reason: "Expired", message: message)
    }
    public static func gone(_ message: String) -> APIError {
        APIError(code: 410, reason: "Gone", message: message)
    }
    public static func methodNotSupported(_ resource: GroupResourceName, _ verb: String) -> APIError {
        APIError(code: 405, reason: "MethodNotAllowed", message: "\(verb) is not supported on resources of kind \"\(resource.display)\"")
    }
    public static func unsupportedMediaType(_ contentType: String) -> APIError {
        APIError(code: 415, reason: "UnsupportedMediaType", message: "the body of the request was in an unknown format - accepted media types include: application/json, application/yaml, application/vnd.kubernetes.protobuf, application/json-patch+json, application/merge-patch+json, application/strategic-merge-patch+json, application/apply-patch+yaml (got \"\(contentType)\")")
    }
    public static func tooLarge(_ message: String) -> APIError {
        APIError(code: 413, reason: "RequestEntityTooLarge", message: message)
    }
    public static func forbidden(_ message: String) -> APIError {
        APIError(code: 403, reason: "Forbidden", message: message)
    }
    public static func internalError(_ message: String) -> APIError {
        APIError(code: 500, reason: "InternalError", message: "Internal error occurred: \(message)")
    }
    public static func tooManyRequests(_ message: String, retryAfter: Int = 1) -> APIError {
        APIError(code: 429, reason: "TooManyRequests", message: message, details: Details(retryAfterSeconds: retryAfter))
    }
}

/// `deployments.apps` as error messages spell it.
public struct GroupResourceName: Sendable, Hashable {
    public var group: String
    public var resource: String
    public init(group: String, resource: String) {
        self.group = group
        self.resource = resource
    }
    public var display: String { group.isEmpty ? resource : "\(resource).\(group)" }
}
