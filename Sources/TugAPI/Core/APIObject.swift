import Foundation

/// A top-level Kubernetes object (it has `apiVersion`, `kind` and `metadata`). Generated kinds
/// conform to it, which is what lets the API server, the client and controllers be generic.
public protocol APIObject: Codable, Sendable, Hashable {
    /// `""` for the core group.
    static var group: String { get }
    static var version: String { get }
    static var kind: String { get }
    var apiVersion: String? { get set }
    var kind: String? { get set }
    var metadata: MetaV1.ObjectMeta { get set }
}

extension APIObject {
    /// `v1` or `apps/v1`.
    public static var apiVersion: String { group.isEmpty ? version : "\(group)/\(version)" }

    /// Sets `apiVersion` and `kind` to this type's, as every object leaving the server carries them.
    public mutating func setTypeMeta() {
        apiVersion = Self.apiVersion
        kind = Self.kind
    }
}
