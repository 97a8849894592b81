import Foundation
import TugAPI
import TugStore

/// What admission needs beyond one resource: namespace lifecycle, the schema for unknown-field
/// checks, and field ownership tracking.
struct AdmissionContext: Sendable {
    let store: any Store
    let fieldManager: FieldManager

    /// Namespaced objects may only be created in a namespace that exists and is not terminating.
    func requireActiveNamespace(_ ns: String) async throws {
        guard !ns.isEmpty else { throw APIError.badRequest("a namespace is required for this resource") }
        guard let v = try await store.get("/registry/namespaces/\(ns)") else {
            throw APIError.notFound(GroupResourceName(group: "", resource: "namespaces"), ns)
        }
        if let obj = try? APICoding.decode(CoreV1.Namespace.self, from: Data(v.value)), obj.metadata.deletionTimestamp != nil {
            throw APIError(code: 403, reason: "Forbidden",
                           message: "unable to create new content in namespace \(ns) because it is being terminated",
                           details: .init(name: ns, kind: "namespaces"))
        }
    }

    func unknownFields(_ value: JSONValue, _ message: String) -> [String] {
        APISchema.shared.unknownFields(in: value, message: message)
    }
}
