import Foundation

/// One invalid field, as `field.Error` in Kubernetes: `spec.replicas: Invalid value: -1: must be greater than or equal to 0`.
public struct FieldError: Error, Sendable, Hashable, CustomStringConvertible {
    public enum ErrorType: String, Sendable, Hashable {
        case required = "FieldValueRequired"
        case invalid = "FieldValueInvalid"
        case duplicate = "FieldValueDuplicate"
        case notSupported = "FieldValueNotSupported"
        case forbidden = "FieldValueForbidden"
        case tooLong = "FieldValueTooLong"
        case tooMany = "FieldValueTooMany"
        case notFound = "FieldValueNotFound"
        case typeInvalid = "FieldValueTypeInvalid"
    }

    public var type: ErrorType
    /// Dotted path with indices: `spec.template.spec.containers[0].name`.
    public var field: String
    /// The offending value as it should be printed (already quoted for strings), or nil.
    public var value: String?
    public var detail: String

    public init(_ type: ErrorType, _ field: String, value: String? = nil, _ detail: String = "") {
        self.type = type
        self.field = field
        self.value = value
        self.detail = detail
    }

    public static func required(_ field: String, _ detail: String = "") -> FieldError { .init(.required, field, detail) }
    public static func invalid(_ field: String, _ value: String, _ detail: String) -> FieldError {
        .init(.invalid, field, value: "\"\(value)\"", detail)
    }
    public static func invalid(_ field: String, _ value: Int, _ detail: String) -> FieldError {
        .init(.invalid, field, value: String(value), detail)
    }
    public static func duplicate(_ field: String, _ value: String) -> FieldError { .init(.duplicate, field, value: "\"\(value)\"") }
    public static func notSupported(_ field: String, _ value: String, _ supported: [String]) -> FieldError {
        .init(.notSupported, field, value: "\"\(value)\"", "supported values: " + supported.map { "\"\($0)\"" }.joined(separator: ", "))
    }
    public static func forbidden(_ field: String, _ detail: String) -> FieldError { .init(.forbidden, field, detail) }
    public static func tooLong(_ field: String, _ max: Int) -> FieldError { .init(.tooLong, field, "must have at most \(max) bytes") }

    public var description: String {
        let head: String
        switch type {
        case .required: head = "Required value"
        case .invalid: head = "Invalid value"
        case .duplicate: head = "Duplicate value"
        case .notSupported: head = "Unsupported value"
        case .forbidden: head = "Forbidden"
        case .tooLong: head = "Too long"
        case .tooMany: head = "Too many"
        case .notFound: head = "Not found"
        case .typeInvalid: head = "Invalid value"
        }
        var s = "\(field): \(head)"
        if let v = value { s += ": \(v)" }
        if !detail.isEmpty { s += ": \(detail)" }
        return s
    }
}
