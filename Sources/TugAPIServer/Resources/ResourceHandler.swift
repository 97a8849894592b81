import Foundation
import TugAPI

/// The type-erased face of a `ResourceStore`, used by the HTTP layer.
public protocol ResourceHandler: Sendable {
    var info: ResourceInfo { get }
    var cache: WatchCache { get }
    var selectableFieldNames: [String] { get }

    func get(namespace: String?, name: String, subresource: String?) async throws -> [UInt8]
    func create(namespace: String?, body: JSONValue, options: WriteOptions) async throws -> WriteResult
    func update(namespace: String?, name: String, body: JSONValue, subresource: String?, options: WriteOptions) async throws -> WriteResult
    func patch(namespace: String?, name: String, patch: PatchRequest, subresource: String?, options: WriteOptions) async throws -> WriteResult
    func delete(namespace: String?, name: String, options: DeleteOptions) async throws -> WriteResult
    /// `meta.k8s.io/v1` Table for the objects.
    func table(_ objects: [CachedObject], includeObject: String, wide: Bool) -> JSONValue
}
