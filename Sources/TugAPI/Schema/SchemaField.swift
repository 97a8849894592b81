import Foundation

/// One row of the field table: a field of a protobuf message with its resolved type.
public struct SchemaField: Sendable, Hashable {
    public enum Label: String, Sendable, Hashable {
        case optional, repeated, map
    }

    /// How the field appears in JSON.
    public enum JSONForm: Sendable, Hashable {
        /// A property with this name.
        case name(String)
        /// The sub-message's properties sit directly in the parent object.
        case inline
        /// Part of a special type's encoding (`Time.seconds`, `RawExtension.raw`): not a JSON property.
        case special
    }

    /// The message declaring the field (fully qualified).
    public var message: String
    /// The protobuf field name.
    public var name: String
    public var number: Int
    public var label: Label
    public var json: JSONForm
    /// The value type, including `list`/`map` wrapping for repeated and map fields.
    public var type: SchemaType

    public init(message: String, name: String, number: Int, label: Label, json: JSONForm, type: SchemaType) {
        self.message = message
        self.name = name
        self.number = number
        self.label = label
        self.json = json
        self.type = type
    }

    /// The JSON property name, or nil for inline and special fields.
    public var jsonName: String? { if case .name(let n) = json { return n } else { return nil } }
    public var isInline: Bool { json == .inline }
}
