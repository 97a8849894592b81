import Foundation
import TugAPI

/// How a member of an OpenAPI v2 (Swagger 2.0) object that needs no sub-message of its own is
/// carried in gnostic's protobuf form (`openapi_v2` of github.com/google/gnostic-models,
/// `openapiv2/OpenAPIv2.proto`).
enum GnosticScalar: Sendable {
    /// `string`, left out when empty (proto3).
    case string
    /// `bool`, left out when false.
    case bool
    /// `double` (fixed64), left out when zero.
    case double
    /// `int64` (varint), left out when zero.
    case int64
    /// `repeated string`.
    case strings
    /// `Any`, the value as YAML text in `Any.yaml` (field 2).
    case any
    /// `repeated Any`.
    case anys
}

/// The scalar members of one gnostic message: JSON key → field number and form, plus the
/// number of its `repeated NamedAny vendor_extension` (the `x-…` members), when it has one.
/// Numbers are those of `OpenAPIv2.proto`.
struct GnosticFields: Sendable {
    let scalars: [String: (number: Int, kind: GnosticScalar)]
    let vendorExtension: Int?

    static let document = GnosticFields(scalars: [
        "swagger": (1, .string), "host": (3, .string), "basePath": (4, .string),
        "schemes": (5, .strings), "consumes": (6, .strings), "produces": (7, .strings),
    ], vendorExtension: 16)

    static let info = GnosticFields(scalars: [
        "title": (1, .string), "version": (2, .string), "description": (3, .string), "termsOfService": (4, .string),
    ], vendorExtension: 7)

    static let contact = GnosticFields(scalars: ["name": (1, .string), "url": (2, .string), "email": (3, .string)], vendorExtension: 4)
    static let license = GnosticFields(scalars: ["name": (1, .string), "url": (2, .string)], vendorExtension: 3)
    static let externalDocs = GnosticFields(scalars: ["description": (1, .string), "url": (2, .string)], vendorExtension: 3)
    static let jsonReference = GnosticFields(scalars: ["$ref": (1, .string), "description": (2, .string)], vendorExtension: nil)
    static let xml = GnosticFields(scalars: [
        "name": (1, .string), "namespace": (2, .string), "prefix": (3, .string), "attribute": (4, .bool), "wrapped": (5, .bool),
    ], vendorExtension: 6)

    /// `Schema`; `additionalProperties` (21), `type` (22), `items` (23), `allOf` (24),
    /// `properties` (25), `xml` (28) and `externalDocs` (29) are sub-messages.
    static let schema = GnosticFields(scalars: [
        "$ref": (1, .string), "format": (2, .string), "title": (3, .string), "description": (4, .string),
        "default": (5, .any), "multipleOf": (6, .double), "maximum": (7, .double), "exclusiveMaximum": (8, .bool),
        "minimum": (9, .double), "exclusiveMinimum": (10, .bool), "maxLength": (11, .int64), "minLength": (12, .int64),
        "pattern": (13, .string), "maxItems": (14, .int64), "minItems": (15, .int64), "uniqueItems": (16, .bool),
        "maxProperties": (17, .int64), "minProperties": (18, .int64), "required": (19, .strings), "enum": (20, .anys),
        "discriminator": (26, .string), "readOnly": (27, .bool), "example": (30, .any),
    ], vendorExtension: 31)

    /// `FileSchema`, a response schema of `type: file`; `externalDocs` (8) is a sub-message.
    static let fileSchema = GnosticFields(scalars: [
        "format": (1, .string), "title": (2, .string), "description": (3, .string), "default": (4, .any),
        "required": (5, .strings), "type": (6, .string), "readOnly": (7, .bool), "example": (9, .any),
    ], vendorExtension: 10)

    /// `PathItem`; the operations (2–8) and `parameters` (9) are sub-messages.
    static let pathItem = GnosticFields(scalars: ["$ref": (1, .string)], vendorExtension: 10)

    /// `Operation`; `externalDocs` (4), `parameters` (8) and `responses` (9) are sub-messages.
    static let operation = GnosticFields(scalars: [
        "tags": (1, .strings), "summary": (2, .string), "description": (3, .string), "operationId": (5, .string),
        "produces": (6, .strings), "consumes": (7, .strings), "schemes": (10, .strings), "deprecated": (11, .bool),
    ], vendorExtension: 13)

    /// `BodyParameter`; `schema` (5) is a sub-message.
    static let bodyParameter = GnosticFields(scalars: [
        "description": (1, .string), "name": (2, .string), "in": (3, .string), "required": (4, .bool),
    ], vendorExtension: 6)

    /// `HeaderParameterSubSchema` and `PathParameterSubSchema` share their numbering;
    /// `items` (7) is a sub-message.
    static let headerOrPathParameter = GnosticFields(scalars: [
        "required": (1, .bool), "in": (2, .string), "description": (3, .string), "name": (4, .string),
        "type": (5, .string), "format": (6, .string), "collectionFormat": (8, .string), "default": (9, .any),
        "maximum": (10, .double), "exclusiveMaximum": (11, .bool), "minimum": (12, .double), "exclusiveMinimum": (13, .bool),
        "maxLength": (14, .int64), "minLength": (15, .int64), "pattern": (16, .string), "maxItems": (17, .int64),
        "minItems": (18, .int64), "uniqueItems": (19, .bool), "enum": (20, .anys), "multipleOf": (21, .double),
    ], vendorExtension: 22)

    /// `QueryParameterSubSchema` and `FormDataParameterSubSchema` share theirs (with
    /// `allowEmptyValue` at 5); `items` (8) is a sub-message.
    static let queryOrFormDataParameter = GnosticFields(scalars: [
        "required": (1, .bool), "in": (2, .string), "description": (3, .string), "name": (4, .string),
        "allowEmptyValue": (5, .bool), "type": (6, .string), "format": (7, .string), "collectionFormat": (9, .string),
        "default": (10, .any), "maximum": (11, .double), "exclusiveMaximum": (12, .bool), "minimum": (13, .double),
        "exclusiveMinimum": (14, .bool), "maxLength": (15, .int64), "minLength": (16, .int64), "pattern": (17, .string),
        "maxItems": (18, .int64), "minItems": (19, .int64), "uniqueItems": (20, .bool), "enum": (21, .anys),
        "multipleOf": (22, .double),
    ], vendorExtension: 23)

    /// `PrimitivesItems`, the `items` of a non-body parameter; its own `items` (3) is a sub-message.
    static let primitivesItems = GnosticFields(scalars: [
        "type": (1, .string), "format": (2, .string), "collectionFormat": (4, .string), "default": (5, .any),
        "maximum": (6, .double), "exclusiveMaximum": (7, .bool), "minimum": (8, .double), "exclusiveMinimum": (9, .bool),
        "maxLength": (10, .int64), "minLength": (11, .int64), "pattern": (12, .string), "maxItems": (13, .int64),
        "minItems": (14, .int64), "uniqueItems": (15, .bool), "enum": (16, .anys), "multipleOf": (17, .double),
    ], vendorExtension: 18)

    /// `Response`; `schema` (2) and `examples` (4) are sub-messages.
    static let response = GnosticFields(scalars: ["description": (1, .string)], vendorExtension: 5)
}
