import Foundation
import TugAPI
import TugStore

/// What admission needs beyond one resource: namespace lifecycle, the schema for unknown-field
/// checks, and field ownership tracking.
struct AdmissionContext: Sendable {
    let store: any Store
    let dispatcher: CacheDispatcher
    let fieldManager: FieldManager

    /// Namespaced objects may only be created in a namespace that exists and is not terminating.
    /// Answered from the namespaces watch cache; a namespace the cache has not seen yet is looked
    /// up in the store (as Kubernetes' NamespaceLifecycle falls back to a live read).
    func requireActiveNamespace(_ ns: String) async throws {
        guard !ns.isEmpty else { throw APIError.badRequest("a namespace is required for this resource") }
        if let cached = dispatcher.cache(groupResource: "namespaces")?.get("/registry/namespaces/\(ns)") {
            if cached.fields["status.phase"] == "Terminating" { throw Self.terminating(ns) }
            return
        }
        guard let v = try await store.get("/registry/namespaces/\(ns)") else {
            throw APIError.notFound(GroupResourceName(group: "", resource: "namespaces"), ns)
        }
        if let obj = try? APICoding.decode(CoreV1.Namespace.self, from: Data(v.value)), obj.metadata.deletionTimestamp != nil {
            throw Self.terminating(ns)
        }
    }

    static func terminating(_ ns: String) -> APIError {
        APIError(code: 403, reason: "Forbidden", message: "unable to create new content in namespace \(ns) because it is being terminated",
                 details: .init(name: ns, kind: "namespaces"))
    }

    func unknownFields(_ value: JSONValue, _ message: String) -> [String] {
        APISchema.shared.unknownFields(in: value, message: message)
    }
}
