import Foundation

extension APISchema {
    /// meta/v1 messages that embed TypeMeta in Go without having ObjectMeta or ListMeta.
    static let typeMetaMessages: Set<String> = [
        "APIGroup", "APIGroupList", "APIResourceList", "APIVersions", "CreateOptions", "DeleteOptions",
        "GetOptions", "ListOptions", "PatchOptions", "UpdateOptions", "ApplyOptions", "TableOptions",
    ].reduce(into: []) { $0.insert(metaPackage + "." + $1) }

    /// Messages holding an ObjectMeta that are embedded templates, not kinds.
    static let templateMessages: Set<String> = [
        "k8s.io.api.core.v1.PodTemplateSpec", "k8s.io.api.batch.v1.JobTemplateSpec",
        "k8s.io.api.core.v1.PersistentVolumeClaimTemplate",
    ]

    /// Whether a message is a kind or a list kind: its JSON also accepts `apiVersion` and `kind`.
    public func hasTypeMeta(_ message: String) -> Bool {
        guard let m = messages[message] else { return false }
        if m.hasListMeta || Self.typeMetaMessages.contains(message) { return true }
        return m.hasObjectMeta && !Self.templateMessages.contains(message)
    }

    /// Whether a message is a top-level kind (it has ObjectMeta and is not an embedded template).
    public func isKind(_ message: String) -> Bool {
        guard let m = messages[message] else { return false }
        return m.hasObjectMeta && !Self.templateMessages.contains(message)
    }

    /// The type found by walking `path` from `message`. Components are JSON property names; at a
    /// list an integer (or `-`) component selects an element and any other component is looked up
    /// in the element's message; at a map the component is the key. Nil when the path leaves the
    /// schema (unknown property, or a leaf such as a string, Quantity or RawExtension).
    public func type(at path: [String], in message: String) -> SchemaType? {
        walk(path, from: message)?.type
    }

    /// The field declaring the last property of `path` (see `type(at:in:)` for the path syntax).
    /// Nil when the path is empty, ends on a list index or map key, or leaves the schema.
    public func field(at path: [String], in message: String) -> SchemaField? {
        guard let w = walk(path, from: message), w.endsOnField else { return nil }
        return w.field
    }

    private func walk(_ path: [String], from message: String) -> (type: SchemaType, field: SchemaField?, endsOnField: Bool)? {
        var current: SchemaType = .message(message)
        var last: SchemaField?
        var onField = false
        for component in path {
            switch current {
            case .list(let element):
                if component == "-" || Int(component) != nil {
                    current = element
                    onField = false
                } else {
                    guard case .message(let m) = element, let f = field(component, in: m) else { return nil }
                    current = f.type
                    last = f
                    onField = true
                }
            case .map(let value):
                current = value
                onField = false
            case .message(let m):
                guard let f = field(component, in: m) else { return nil }
                current = f.type
                last = f
                onField = true
            case .scalar, .special, .opaque:
                return nil
            }
        }
        return (current, last, onField)
    }
}
