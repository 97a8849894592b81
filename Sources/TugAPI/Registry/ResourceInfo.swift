import Foundation

/// What the API server and discovery need to know about one resource: its names, scope, verbs
/// and subresources. One entry per group/version/resource in `ResourceCatalog`.
public struct ResourceInfo: Sendable, Hashable {
    public var group: String
    public var version: String
    public var kind: String
    /// Plural, lower-case path segment (`deployments`).
    public var resource: String
    public var singular: String
    public var namespaced: Bool
    public var shortNames: [String]
    public var categories: [String]
    public var verbs: [String]
    /// Subresource names served under `<resource>/<sub>` (`status`, `scale`, `binding`, ...).
    public var subresources: [String]
    /// The protobuf package holding this kind's message (`k8s.io.api.apps.v1`).
    public var protobufPackage: String
    /// Served by conversion from another version's storage: that version's API version
    /// (`autoscaling/v2`), and its group-resource when the storage is another group's (`events`).
    public var storageVersion: String?
    public var storedAs: String?

    public init(group: String, version: String, kind: String, resource: String, namespaced: Bool,
                shortNames: [String] = [], categories: [String] = [], verbs: [String] = ResourceInfo.allVerbs,
                subresources: [String] = [], protobufPackage: String, storageVersion: String? = nil, storedAs: String? = nil) {
        self.group = group
        self.version = version
        self.kind = kind
        self.resource = resource
        self.singular = kind.lowercased()
        self.namespaced = namespaced
        self.shortNames = shortNames
        self.categories = categories
        self.verbs = verbs
        self.subresources = subresources
        self.protobufPackage = protobufPackage
        self.storageVersion = storageVersion
        self.storedAs = storedAs
    }

    public static let allVerbs = ["create", "delete", "deletecollection", "get", "list", "patch", "update", "watch"]

    public var apiVersion: String { group.isEmpty ? version : "\(group)/\(version)" }
    public var listKind: String { kind + "List" }
    /// `deployments.apps`, or `pods` for the core group.
    public var groupResource: String { group.isEmpty ? resource : "\(resource).\(group)" }
    /// The group-resource whose keys hold this resource's objects (its own unless `storedAs`).
    public var storageGroupResource: String { storedAs ?? groupResource }
    /// The key prefix in the store: `/registry/<group-resource>/`.
    public var storePrefix: String { "/registry/\(storageGroupResource)/" }
    /// The full protobuf message name of the kind (`k8s.io.api.apps.v1.Deployment`).
    public var protobufMessage: String { "\(protobufPackage).\(kind)" }
}
