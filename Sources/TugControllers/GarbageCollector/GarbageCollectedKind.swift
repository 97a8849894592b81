import Foundation
import TugAPI
import TugClient

/// One kind the garbage collector follows, as owner and as dependent: reads come from the
/// kind's informer (with an index by owner uid), writes go through the client. Built from any
/// informer with `GarbageCollectedKind(informer, client:)`, so adding a kind is one line.
public struct GarbageCollectedKind: Sendable {
    public let apiVersion: String
    public let kind: String
    /// Cached metadata of one object.
    let get: @Sendable (_ namespace: String, _ name: String) async -> MetaV1.ObjectMeta?
    /// Live uid of one object (nil when it does not exist), for owners missing from the cache.
    let liveUID: @Sendable (_ namespace: String, _ name: String) async throws -> String?
    /// Cached metadata of the objects that name `uid` among their owners.
    let dependents: @Sendable (_ ownerUID: String) async -> [MetaV1.ObjectMeta]
    let delete: @Sendable (_ namespace: String, _ name: String, _ propagation: String?, _ preconditionUID: String?) async throws -> Void
    let patch: @Sendable (_ namespace: String, _ name: String, _ patch: JSONValue) async throws -> Void
    /// Registers the owner index and the event handler.
    let start: @Sendable (_ handler: @escaping @Sendable (GarbageCollectorEvent) async -> Void) async -> Void

    static let ownerIndex = "owner"

    public init<T: APIObject>(_ informer: Informer<T>, client: APIClient) {
        apiVersion = T.apiVersion
        kind = T.kind
        get = { ns, name in await informer.get(namespace: ns, name: name)?.metadata }
        liveUID = { ns, name in
            do {
                return try await client.get(T.self, namespace: ns, name: name).metadata.uid
            } catch let e as APIError where e.code == 404 {
                return nil
            }
        }
        dependents = { uid in await informer.byIndex(Self.ownerIndex, uid).map(\.metadata) }
        delete = { ns, name, propagation, uid in
            _ = try await client.delete(T.self, namespace: ns, name: name, propagationPolicy: propagation, preconditionUID: uid)
        }
        patch = { ns, name, body in _ = try await client.patch(T.self, namespace: ns, name: name, body) }
        let kind = T.kind
        start = { handler in
            await informer.addIndex(Self.ownerIndex) { ($0.metadata.ownerReferences ?? []).compactMap(\.uid) }
            await informer.addHandler { event in
                switch event {
                case .added(let o), .updated(_, let o): await handler(.changed(kind: kind, o.metadata))
                case .deleted(let o): await handler(.deleted(kind: kind, o.metadata))
                }
            }
        }
    }
}

/// What the collector hears from a kind's informer.
enum GarbageCollectorEvent: Sendable {
    case changed(kind: String, MetaV1.ObjectMeta)
    case deleted(kind: String, MetaV1.ObjectMeta)
}
