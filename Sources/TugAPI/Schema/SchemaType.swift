import Foundation

/// A protobuf scalar type as the field table names it.
public enum ScalarType: String, Sendable, Hashable, CaseIterable {
    case string, bool, bytes, double, float
    case int32, int64, uint32, uint64, sint32, sint64, fixed32, fixed64, sfixed32, sfixed64

    public var isInteger: Bool {
        switch self {
        case .string, .bool, .bytes, .double, .float: return false
        default: return true
        }
    }
}

/// A message with its own JSON form, which the schema treats as a leaf.
public enum SpecialType: String, Sendable, Hashable {
    /// `meta.v1.Time`: RFC 3339 string, second precision.
    case time
    /// `meta.v1.MicroTime`: RFC 3339 string with microseconds.
    case microTime
    /// `meta.v1.Duration`: a Go duration string (`1h2m`).
    case duration
    /// `resource.Quantity`: a string (or number) such as `500m`.
    case quantity
    /// `intstr.IntOrString`: a number or a string.
    case intOrString
    /// `runtime.RawExtension`: any embedded JSON object.
    case rawExtension
    /// `meta.v1.FieldsV1`: a managed-fields trie, any JSON object.
    case fieldsV1
    /// `meta.v1.Verbs`: a message in protobuf, a list of strings in JSON.
    case verbs

    /// The special type for a fully qualified message name, or nil for an ordinary message.
    public init?(messageName: String) {
        switch messageName {
        case "k8s.io.apimachinery.pkg.apis.meta.v1.Time": self = .time
        case "k8s.io.apimachinery.pkg.apis.meta.v1.MicroTime": self = .microTime
        case "k8s.io.apimachinery.pkg.apis.meta.v1.Duration": self = .duration
        case "k8s.io.apimachinery.pkg.apis.meta.v1.FieldsV1": self = .fieldsV1
        case "k8s.io.apimachinery.pkg.apis.meta.v1.Verbs": self = .verbs
        case "k8s.io.apimachinery.pkg.api.resource.Quantity",
             "k8s.io.apimachinery.pkg.api.resource.QuantityValue": self = .quantity
        case "k8s.io.apimachinery.pkg.util.intstr.IntOrString": self = .intOrString
        case "k8s.io.apimachinery.pkg.runtime.RawExtension": self = .rawExtension
        default: return nil
        }
    }

    /// The fully qualified protobuf message carrying this type.
    public var messageName: String {
        switch self {
        case .time: return "k8s.io.apimachinery.pkg.apis.meta.v1.Time"
        case .microTime: return "k8s.io.apimachinery.pkg.apis.meta.v1.MicroTime"
        case .duration: return "k8s.io.apimachinery.pkg.apis.meta.v1.Duration"
        case .fieldsV1: return "k8s.io.apimachinery.pkg.apis.meta.v1.FieldsV1"
        case .verbs: return "k8s.io.apimachinery.pkg.apis.meta.v1.Verbs"
        case .quantity: return "k8s.io.apimachinery.pkg.api.resource.Quantity"
        case .intOrString: return "k8s.io.apimachinery.pkg.util.intstr.IntOrString"
        case .rawExtension: return "k8s.io.apimachinery.pkg.runtime.RawExtension"
        }
    }
}

/// The JSON shape of a field's value, as the patch engines, validators and decoders need it.
public indirect enum SchemaType: Sendable, Hashable {
    case scalar(ScalarType)
    /// A message described by the table (fully qualified name).
    case message(String)
    case special(SpecialType)
    /// A message the table does not describe (alpha APIs): any JSON is accepted and kept.
    case opaque(String)
    /// A repeated field.
    case list(SchemaType)
    /// A map with string keys.
    case map(SchemaType)

    public var isList: Bool { if case .list = self { return true } else { return false } }
    public var isMap: Bool { if case .map = self { return true } else { return false } }

    /// The message name when this is a message, or the element's for lists and maps.
    public var messageName: String? {
        switch self {
        case .message(let m): return m
        case .list(let e), .map(let e): return e.messageName
        default: return nil
        }
    }

    /// The element type of a list or map value type; self otherwise.
    public var element: SchemaType {
        switch self {
        case .list(let e), .map(let e): return e
        default: return self
        }
    }
}
