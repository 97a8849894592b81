import Foundation
import TugAPI
import TugStore

/// What admission needs beyond one resource: namespace lifecycle, the schema for unknown-field
/// checks, and field ownership tracking.
struct AdmissionContext: Sendable {
    let store: any Store
    let dispatcher: CacheDispatcher
    let fieldManager: FieldManager
    /// Service cluster IPs and node ports.
    let services: ServiceAllocator

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
                 details: .init(name: ns, kind: "namespaces",
                                causes: [.init(reason: "NamespaceTerminating", message: "namespace \(ns) is being terminated", field: "metadata.namespace")]))
    }

    func unknownFields(_ value: JSONValue, _ message: String) -> [String] {
        APISchema.shared.unknownFields(in: value, message: message)
    }

    /// Body → typed object of `info`'s kind, checking kind, apiVersion and namespace against the
    /// request path (`expectKind` for subresource bodies of another kind).
    func decodeBody<O: APIObject>(_ body: JSONValue, as: O.Type, info: ResourceInfo, namespace: String?, expectKind: String? = nil) throws -> O {
        guard case .object = body else { throw APIError.badRequest("the request body must be a JSON or YAML object, got \(body.typeName)") }
        let kind = expectKind ?? info.kind
        if let k = body["kind"]?.stringValue, !k.isEmpty, k != kind {
            throw APIError.badRequest("the kind in the body (\(k)) does not match the kind of the resource (\(kind)) at this path")
        }
        if expectKind == nil, let av = body["apiVersion"]?.stringValue, !av.isEmpty, av != info.apiVersion {
            throw APIError.badRequest("the API version in the data (\(av)) does not match the expected API version (\(info.apiVersion))")
        }
        var obj = try ObjectDecoding.decode(O.self, from: body)
        obj.setTypeMeta()
        if info.namespaced {
            if let ns = obj.metadata.namespace, !ns.isEmpty, let want = namespace, ns != want {
                throw APIError.badRequest("the namespace of the provided object does not match the namespace sent on the request")
            }
            obj.metadata.namespace = namespace ?? obj.metadata.namespace
        } else {
            obj.metadata.namespace = nil
        }
        return obj
    }

    /// Unknown fields of `message` in the body: 400 under Strict, `Warning` headers under Warn.
    func fieldWarnings(_ body: JSONValue, message: String, options: WriteOptions) throws -> [String] {
        guard options.fieldValidation != .ignore else { return [] }
        let unknown = unknownFields(body, message)
        guard !unknown.isEmpty else { return [] }
        if options.fieldValidation == .strict {
            throw APIError.badRequest("strict decoding error: " + unknown.joined(separator: ", "))
        }
        return unknown
    }
}
