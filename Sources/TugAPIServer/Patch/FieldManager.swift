import Foundation
import TugAPI

/// Field ownership for typed objects, as the resource store uses it: records who wrote what on
/// create and update, and runs server-side apply. The merge metadata comes from the API schema.
public struct FieldManager: Sendable {
    /// Finds the merge metadata of a protobuf message; the schema's by default.
    let metaForMessage: @Sendable (String) -> (any PatchMeta)?

    public init(metaForMessage: @escaping @Sendable (String) -> (any PatchMeta)? = { SchemaPatchMeta.forMessage($0) }) {
        self.metaForMessage = metaForMessage
    }

    /// The engine for objects of type `T` through one endpoint.
    public func engine<T: APIObject>(for _: T.Type, message: String? = nil, subresource: String? = nil) -> ManagedFieldsEngine {
        let msg = message ?? ResourceCatalog.lookup(apiVersion: T.apiVersion, kind: T.kind)?.protobufMessage
        return ManagedFieldsEngine(meta: msg.flatMap(metaForMessage), apiVersion: T.apiVersion, kind: T.kind,
                                   subresource: subresource ?? "")
    }

    /// Records the creator's fields. Returns warnings for the response (none so far).
    @discardableResult
    public func recordCreate<T: APIObject>(_ obj: inout T, manager: String?, now: Date = Date()) -> [String] {
        guard let manager, let new = try? JSONValue(encoding: obj) else { return [] }
        let tracked = engine(for: T.self).update(old: nil, new: new, manager: manager, now: now)
        obj.metadata.managedFields = Self.entries(tracked)
        return []
    }

    /// Records an update's changed fields for `manager`; nil (apply already did it) records nothing.
    public func recordUpdate<T: APIObject>(_ new: inout T, old: T, manager: String?, subresource: String? = nil, now: Date = Date()) {
        guard let manager, let newJSON = try? JSONValue(encoding: new), let oldJSON = try? JSONValue(encoding: old) else { return }
        let tracked = engine(for: T.self, subresource: subresource).update(old: oldJSON, new: newJSON, manager: manager, now: now)
        new.metadata.managedFields = Self.entries(tracked)
    }

    /// Server-side apply of `applied` onto `live` (nil to create) for the kind whose protobuf
    /// message is `message`. Throws 409 on conflicts unless `force`.
    public func apply<T: APIObject>(live: T?, applied: JSONValue, manager: String, force: Bool, message: String,
                                    as type: T.Type, subresource: String? = nil, now: Date = Date()) throws -> T {
        let liveJSON = try live.map { try JSONValue(encoding: $0) }
        let result = try engine(for: T.self, message: message, subresource: subresource)
            .apply(live: liveJSON, applied: applied, manager: manager, force: force, now: now)
        do {
            return try result.decode(as: T.self)
        } catch {
            throw APIError.badRequest("the applied configuration does not form a valid \(T.kind): \(error)")
        }
    }

    private static func entries(_ object: JSONValue) -> [MetaV1.ManagedFieldsEntry]? {
        guard let list = object["metadata"]?["managedFields"], !list.isNull else { return nil }
        return try? list.decode(as: [MetaV1.ManagedFieldsEntry].self)
    }
}
