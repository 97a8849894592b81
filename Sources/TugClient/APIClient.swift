import Foundation
import TugAPI

/// Typed access to the API server: CRUD, patch, status and watch for any generated kind. The
/// resource path comes from the kind's entry in `ResourceCatalog`; failures are thrown as the
/// server's `Status` (`APIError`), so callers test `code`/`reason` as with client-go.
public struct APIClient: Sendable {
    public let transport: any Transport
    /// The field manager recorded for writes (`managedFields`).
    public let fieldManager: String

    public init(transport: any Transport, fieldManager: String = "tug") {
        self.transport = transport
        self.fieldManager = fieldManager
    }

    public static func info<T: APIObject>(_: T.Type) -> ResourceInfo {
        guard let info = ResourceCatalog.lookup(apiVersion: T.apiVersion, kind: T.kind) else {
            preconditionFailure("\(T.apiVersion) \(T.kind) is not a served kind")
        }
        return info
    }

    /// `/api/v1/namespaces/NS/pods/NAME/SUB` and the like.
    public static func path(_ info: ResourceInfo, namespace: String?, name: String? = nil, subresource: String? = nil) -> String {
        var p = info.group.isEmpty ? "/api/\(info.version)" : "/apis/\(info.group)/\(info.version)"
        if info.namespaced, let namespace, !namespace.isEmpty { p += "/namespaces/\(namespace)" }
        p += "/\(info.resource)"
        if let name { p += "/\(name)" }
        if let subresource { p += "/\(subresource)" }
        return p
    }

    // MARK: requests

    func call(_ request: ClientRequest) async throws -> [UInt8] {
        let resp = try await transport.send(request)
        guard (200..<300).contains(resp.status) else { throw APIError(response: resp.body, status: resp.status) }
        return resp.body
    }

    func decode<T: Decodable>(_ type: T.Type, _ bytes: [UInt8]) throws -> T {
        try APICoding.decode(T.self, from: bytes)
    }

    func encode<T: APIObject>(_ obj: T) throws -> [UInt8] {
        var o = obj
        o.setTypeMeta()
        return try APICoding.encodeBytes(o)
    }

    var writeQuery: [(String, String)] { [("fieldManager", fieldManager)] }

    // MARK: verbs

    public func get<T: APIObject>(_ type: T.Type, namespace: String? = nil, name: String) async throws -> T {
        let info = Self.info(T.self)
        return try decode(T.self, try await call(ClientRequest(method: "GET", path: Self.path(info, namespace: namespace, name: name))))
    }

    /// One page (or all, without `limit`) of a collection; `namespace` nil lists all namespaces.
    public func list<T: APIObject>(_ type: T.Type, namespace: String? = nil, labelSelector: String? = nil, fieldSelector: String? = nil,
                                   limit: Int? = nil, continueToken: String? = nil, resourceVersion: String? = nil) async throws -> ObjectList<T> {
        let info = Self.info(T.self)
        var q: [(String, String)] = []
        if let labelSelector, !labelSelector.isEmpty { q.append(("labelSelector", labelSelector)) }
        if let fieldSelector, !fieldSelector.isEmpty { q.append(("fieldSelector", fieldSelector)) }
        if let limit { q.append(("limit", String(limit))) }
        if let continueToken { q.append(("continue", continueToken)) }
        if let resourceVersion { q.append(("resourceVersion", resourceVersion)) }
        return try decode(ObjectList<T>.self, try await call(ClientRequest(method: "GET", path: Self.path(info, namespace: namespace), query: q)))
    }

    /// Every page of a collection, and the resourceVersion of the first page (a consistent snapshot).
    public func listAll<T: APIObject>(_ type: T.Type, namespace: String? = nil, labelSelector: String? = nil, fieldSelector: String? = nil,
                                      pageSize: Int = 500) async throws -> ObjectList<T> {
        var page = try await list(T.self, namespace: namespace, labelSelector: labelSelector, fieldSelector: fieldSelector, limit: pageSize)
        var all = page
        while let token = page.metadata.continue, !token.isEmpty {
            page = try await list(T.self, namespace: namespace, labelSelector: labelSelector, fieldSelector: fieldSelector,
                                  limit: pageSize, continueToken: token)
            all.items += page.items
        }
        all.metadata.continue = nil
        return all
    }

    public func create<T: APIObject>(_ obj: T) async throws -> T {
        try decode(T.self, try await call(createRequest(obj)))
    }

    /// A create whose answer nobody reads (Events): the server's reply is checked, not decoded.
    public func createDiscardingResult<T: APIObject>(_ obj: T) async throws {
        _ = try await call(createRequest(obj))
    }

    func createRequest<T: APIObject>(_ obj: T) throws -> ClientRequest {
        ClientRequest(method: "POST", path: Self.path(Self.info(T.self), namespace: obj.metadata.namespace), query: writeQuery, body: try encode(obj))
    }

    /// PUT of the whole object (`subresource: "status"` writes only its status).
    public func update<T: APIObject>(_ obj: T, subresource: String? = nil) async throws -> T {
        let info = Self.info(T.self)
        let req = ClientRequest(method: "PUT", path: Self.path(info, namespace: obj.metadata.namespace, name: obj.metadata.name ?? "", subresource: subresource),
                                query: writeQuery, body: try encode(obj))
        return try decode(T.self, try await call(req))
    }

    public func updateStatus<T: APIObject>(_ obj: T) async throws -> T { try await update(obj, subresource: "status") }

    public enum PatchType: String, Sendable {
        case json = "application/json-patch+json"
        case merge = "application/merge-patch+json"
        case strategic = "application/strategic-merge-patch+json"
        case apply = "application/apply-patch+yaml"
    }

    public func patch<T: APIObject>(_ type: T.Type, namespace: String? = nil, name: String, _ patch: JSONValue, as patchType: PatchType = .merge,
                                    subresource: String? = nil, force: Bool = false) async throws -> T {
        let info = Self.info(T.self)
        var q = writeQuery
        if force { q.append(("force", "true")) }
        let req = ClientRequest(method: "PATCH", path: Self.path(info, namespace: namespace, name: name, subresource: subresource), query: q,
                                contentType: patchType.rawValue, body: JSONWriter.write(patch))
        return try decode(T.self, try await call(req))
    }

    /// DELETE; answers the object as the server left it (marked for deletion, or gone).
    @discardableResult
    public func delete<T: APIObject>(_ type: T.Type, namespace: String? = nil, name: String, gracePeriodSeconds: Int? = nil,
                                     propagationPolicy: String? = nil, preconditionUID: String? = nil) async throws -> JSONValue {
        let info = Self.info(T.self)
        var body: [String: JSONValue] = ["apiVersion": "v1", "kind": "DeleteOptions"]
        if let g = gracePeriodSeconds { body["gracePeriodSeconds"] = .int(Int64(g)) }
        if let p = propagationPolicy { body["propagationPolicy"] = .string(p) }
        if let uid = preconditionUID { body["preconditions"] = ["uid": .string(uid)] }
        let req = ClientRequest(method: "DELETE", path: Self.path(info, namespace: namespace, name: name), body: JSONWriter.write(.object(body)))
        return try JSONValue(parsing: try await call(req))
    }

    /// POST to a subresource (`pods/binding`, `pods/eviction`).
    public func post<T: APIObject>(_ type: T.Type, namespace: String?, name: String, subresource: String, body: JSONValue) async throws {
        let info = Self.info(T.self)
        _ = try await call(ClientRequest(method: "POST", path: Self.path(info, namespace: namespace, name: name, subresource: subresource),
                                         query: writeQuery, body: JSONWriter.write(body)))
    }

    // MARK: untyped collection verbs (for controllers that act on every kind, like namespace deletion)

    /// DELETE on a collection (`deletecollection`) of any resource.
    public func deleteCollection(_ info: ResourceInfo, namespace: String?) async throws {
        _ = try await call(ClientRequest(method: "DELETE", path: Self.path(info, namespace: namespace)))
    }

    /// Whether a collection of any resource has objects, and the names of up to `limit` of them.
    public func names(_ info: ResourceInfo, namespace: String?, limit: Int = 10) async throws -> (names: [String], more: Bool) {
        let body = try await call(ClientRequest(method: "GET", path: Self.path(info, namespace: namespace), query: [("limit", String(limit))]))
        let list = try JSONValue(parsing: body)
        let names = (list["items"]?.arrayValue ?? []).compactMap { $0["metadata"]?["name"]?.stringValue }
        let more = !(list["metadata"]?["continue"]?.stringValue ?? "").isEmpty
        return (names, more)
    }

    /// GET of one object of any resource, untyped (the garbage collector checks owners of any kind).
    public func object(_ info: ResourceInfo, namespace: String?, name: String) async throws -> JSONValue {
        try JSONValue(parsing: try await call(ClientRequest(method: "GET", path: Self.path(info, namespace: namespace, name: name))))
    }

    /// PUT to a subresource whose body is the object itself (`namespaces/NAME/finalize`).
    public func update<T: APIObject>(_ obj: T, rawSubresource subresource: String) async throws -> JSONValue {
        let info = Self.info(T.self)
        let req = ClientRequest(method: "PUT", path: Self.path(info, namespace: obj.metadata.namespace, name: obj.metadata.name ?? "", subresource: subresource),
                                query: writeQuery, body: try encode(obj))
        return try JSONValue(parsing: try await call(req))
    }

    /// A watch from `resourceVersion` (with bookmarks); ends when the server ends it
    /// (`timeoutSeconds`) and throws the server's `Status` for an ERROR event (410 when too old).
    public func watch<T: APIObject>(_ type: T.Type, namespace: String? = nil, resourceVersion: String, labelSelector: String? = nil,
                                    fieldSelector: String? = nil, timeoutSeconds: Int = 300) async throws -> AsyncThrowingStream<WatchEvent<T>, any Error> {
        let info = Self.info(T.self)
        var q: [(String, String)] = [("watch", "true"), ("resourceVersion", resourceVersion), ("allowWatchBookmarks", "true"),
                                     ("timeoutSeconds", String(timeoutSeconds))]
        if let labelSelector, !labelSelector.isEmpty { q.append(("labelSelector", labelSelector)) }
        if let fieldSelector, !fieldSelector.isEmpty { q.append(("fieldSelector", fieldSelector)) }
        let request = ClientRequest(method: "GET", path: Self.path(info, namespace: namespace), query: q)
        switch try await transport.watch(request, as: T.self) {
        case .events(let events)?: return events
        case .failed(let status, let body)?: throw APIError(response: body, status: status)
        case nil: break
        }
        let resp = try await transport.stream(request)
        guard (200..<300).contains(resp.status) else {
            var body: [UInt8] = []
            for try await chunk in resp.body { body += chunk }
            throw APIError(response: body, status: resp.status)
        }
        return WatchDecoder.events(T.self, from: resp.body)
    }
}

/// A collection as the server sends it.
public struct ObjectList<T: APIObject>: Decodable, Sendable {
    public struct ListMeta: Decodable, Sendable {
        public var resourceVersion: String?
        public var `continue`: String?
        public var remainingItemCount: Int64?
    }
    public var metadata: ListMeta
    public var items: [T]

    enum CodingKeys: String, CodingKey { case metadata, items }
    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        metadata = try c.decodeIfPresent(ListMeta.self, forKey: .metadata) ?? ListMeta()
        items = try c.decodeIfPresent([T].self, forKey: .items) ?? []
    }
}

extension APIError {
    /// The `Status` a server answered with, or a plain error for a body that is not one.
    public init(response body: [UInt8], status: Int) {
        let s = try? JSONValue(parsing: body)
        let reason = s?["reason"]?.stringValue ?? "Unknown"
        let message = s?["message"]?.stringValue ?? String(decoding: body.prefix(500), as: UTF8.self)
        let code = s?["code"]?.intValue.map(Int.init) ?? status
        var details: Details?
        if let d = s?["details"] {
            let causes = (d["causes"]?.arrayValue ?? []).map {
                Cause(reason: $0["reason"]?.stringValue ?? "", message: $0["message"]?.stringValue ?? "", field: $0["field"]?.stringValue ?? "")
            }
            details = Details(name: d["name"]?.stringValue, group: d["group"]?.stringValue, kind: d["kind"]?.stringValue, causes: causes,
                              retryAfterSeconds: d["retryAfterSeconds"]?.intValue.map(Int.init))
        }
        self.init(code: code, reason: reason, message: message, details: details)
    }
}
