import Foundation

/// A field number a protobuf body carried that the schema does not know. Decoding skips it;
/// the API server may reject the request under `fieldValidation=Strict`.
public struct ProtobufUnknownField: Sendable, Hashable, CustomStringConvertible {
    /// JSON path of the object holding the field (`spec.template.spec`; empty at the top).
    public var path: String
    /// The message the object was decoded as.
    public var message: String
    public var number: Int

    public init(path: String, message: String, number: Int) {
        self.path = path
        self.message = message
        self.number = number
    }

    public var description: String {
        path.isEmpty ? "unknown field number \(number) of \(message)"
            : "unknown field number \(number) of \(message) at \"\(path)\""
    }
}
