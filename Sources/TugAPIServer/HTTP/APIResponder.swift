import Foundation
import Hummingbird
import Logging
import NIOCore
import TugAPI
import TugStore

/// Routes every request: health, version, discovery, OpenAPI and the resource verbs.
struct APIResponder: HTTPResponder {
    typealias Context = BasicRequestContext
    let core: APIServerCore

    func respond(to request: Request, context: Context) async throws -> Response {
        await handle(request)
    }

    /// Every answer, errors included, as a response (also used without a socket by `LocalRequests`).
    func handle(_ request: Request) async -> Response {
        do {
            return try await route(request)
        } catch let e as APIError {
            return HTTPReply.error(e)
        } catch is CancellationError {
            // The caller went away (shutdown, or an in-process client that was cancelled).
            return HTTPReply.error(APIError(code: 503, reason: "ServiceUnavailable", message: "the request was cancelled"))
        } catch let e as StoreError {
            return HTTPReply.error(APIError.internalError("storage: \(e)"))
        } catch {
            core.logger.error("request \(request.method) \(request.uri.path) failed: \(error)")
            return HTTPReply.error(APIError.internalError(String(describing: error)))
        }
    }

    func route(_ request: Request) async throws -> Response {
        let path = request.uri.path
        let method = request.method
        switch path {
        case "/healthz", "/livez", "/readyz", "/healthz/ready", "/livez/ping", "/readyz/ping":
            return core.isReady() ? HTTPReply.text("ok") : HTTPReply.text("not ready", code: 503)
        case "/version", "/version/":
            return HTTPReply.json(Discovery.version())
        case "/openapi/v2":
            return OpenAPIV2Serving.response(to: request)
        case "/openapi/v3", "/openapi/v3/":
            return HTTPReply.json(Array(OpenAPIDocuments.v3Index()))
        default: break
        }
        if path.hasPrefix("/openapi/v3/") {
            let gv = String(path.dropFirst("/openapi/v3/".count))
            guard let doc = OpenAPIDocuments.v3(groupVersionPath: gv) else { throw APIError(code: 404, reason: "NotFound", message: "no OpenAPI document for \(gv)") }
            return HTTPReply.json(Array(doc))
        }
        if MetricsAPI.handles(path) {
            return try await MetricsAPI.serve(core, path: path, query: request.uri.query, method: method)
        }
        let accept = request.headers[.accept]
        switch RequestPath.parse(path) {
        case .apiVersions:
            if Discovery.wantsAggregated(accept) {
                return HTTPReply.json(Discovery.aggregated(core: true), contentType: Discovery.aggregatedContentType)
            }
            return HTTPReply.json(Discovery.apiVersions(serverAddress: core.serverAddress))
        case .apiGroups:
            if Discovery.wantsAggregated(accept) {
                return HTTPReply.json(Discovery.aggregated(core: false), contentType: Discovery.aggregatedContentType)
            }
            return HTTPReply.json(Discovery.apiGroupList())
        case .group(let g):
            guard let doc = Discovery.apiGroup(g) else { throw notFoundPath(path) }
            return HTTPReply.json(doc)
        case .resourceList(let g, let v):
            guard let doc = Discovery.resourceList(group: g, version: v) else { throw notFoundPath(path) }
            return HTTPReply.json(doc)
        case .other:
            throw notFoundPath(path)
        case .resource(let rp):
            return try await resource(rp, request: request, method: method)
        }
    }

    func notFoundPath(_ path: String) -> APIError {
        APIError(code: 404, reason: "NotFound", message: "the server could not find the requested resource (\(path))")
    }

    func resource(_ rp: RequestPath.ResourcePath, request: Request, method: HTTPRequest.Method) async throws -> Response {
        guard let h = core.registry.handler(group: rp.group, version: rp.version, resource: rp.resource) else {
            throw notFoundPath(request.uri.path)
        }
        let info = h.info
        if info.namespaced == false, rp.namespace != nil { throw notFoundPath(request.uri.path) }
        if let sub = rp.subresource, !info.subresources.contains(sub) { throw notFoundPath(request.uri.path) }
        let query = QueryString.parse(request.uri.query)
        let ns = info.namespaced ? rp.namespace : nil
        let accept = request.headers[.accept]
        let table = TableRequest.from(accept: accept, query: query)
        var req = request
        let contentType = request.headers[.contentType]

        if info.group.isEmpty, info.resource == "pods", let name = rp.name, let ns, let sub = rp.subresource,
           let kind = PodStreamingTarget.Kind(rawValue: sub) {
            if kind == .log {
                guard method == .get else { throw APIError(code: 405, reason: "MethodNotAllowed", message: "\(method.rawValue) is not supported on pods/log") }
                return try await PodLogProxy.serve(core, namespace: ns, name: name, query: request.uri.query)
            }
            guard method == .get || method == .post else {
                throw APIError(code: 405, reason: "MethodNotAllowed", message: "\(method.rawValue) is not supported on pods/\(sub)")
            }
            return try await PodStreamingUpgrade.plainRequest(core, request: request, namespace: ns, name: name, kind: kind)
        }

        switch (method, rp.name) {
        case (.get, nil):
            if rp.legacyWatch || query["watch"] == "true" || query["watch"] == "1" {
                return try await core.watchServing.watch(h, namespace: ns, query: query, table: table)
            }
            let bytes = try await core.listServing.list(h, namespace: ns, query: query, table: table)
            return HTTPReply.json(bytes)
        case (.get, let name?):
            if rp.legacyWatch || query["watch"] == "true" {
                var q = query
                q["fieldSelector"] = "metadata.name=\(name)" + ((query["fieldSelector"] ?? "").isEmpty ? "" : "," + query["fieldSelector"]!)
                return try await core.watchServing.watch(h, namespace: ns, query: q, table: table)
            }
            let bytes = try await h.get(namespace: ns, name: name, subresource: rp.subresource)
            if let t = table, rp.subresource == nil, let o = h.cache.get(h.info.namespaced ? "\(info.storePrefix)\(ns ?? "")/\(name)" : "\(info.storePrefix)\(name)") {
                return HTTPReply.json(h.table([o], includeObject: t.includeObject, wide: false))
            }
            return HTTPReply.json(bytes)
        case (.post, nil):
            let body = try await BodyDecoder.decodeObject(try await collect(&req), contentType: contentType)
            let r = try await h.create(namespace: ns, body: body, options: try options(query, request))
            return HTTPReply.json(r.bytes, code: r.code, warnings: r.warnings)
        case (.post, let name?):
            guard let sub = rp.subresource else { throw APIError(code: 405, reason: "MethodNotAllowed", message: "POST is not allowed on a named \(info.resource) object; use PUT or PATCH") }
            let body = try await BodyDecoder.decodeObject(try await collect(&req), contentType: contentType)
            let r = try await core.createSubresource(h, namespace: ns, name: name, subresource: sub, body: body, options: try options(query, request))
            return HTTPReply.json(r.bytes, code: r.code, warnings: r.warnings)
        case (.put, let name?):
            let body = try await BodyDecoder.decodeObject(try await collect(&req), contentType: contentType)
            let r = try await h.update(namespace: ns, name: name, body: body, subresource: rp.subresource, options: try options(query, request))
            return HTTPReply.json(r.bytes, code: r.code, warnings: r.warnings)
        case (.patch, let name?):
            let patch = try BodyDecoder.decodePatch(try await collect(&req), contentType: contentType)
            let r = try await h.patch(namespace: ns, name: name, patch: patch, subresource: rp.subresource, options: try options(query, request))
            return HTTPReply.json(r.bytes, code: r.code, warnings: r.warnings)
        case (.delete, let name?):
            let raw = try await collect(&req)
            let body = raw.isEmpty ? nil : try BodyDecoder.decodeObject(raw, contentType: contentType)
            let r = try await h.delete(namespace: ns, name: name, options: try DeleteOptions(query: query, body: body))
            return HTTPReply.json(r.bytes, code: r.code)
        case (.delete, nil):
            let raw = try await collect(&req)
            let body = raw.isEmpty ? nil : try BodyDecoder.decodeObject(raw, contentType: contentType)
            let bytes = try await core.deleteCollection(h, namespace: ns, query: query, options: try DeleteOptions(query: query, body: body))
            return HTTPReply.json(bytes)
        default:
            throw APIError(code: 405, reason: "MethodNotAllowed", message: "\(method.rawValue) is not supported on \(request.uri.path)")
        }
    }

    func options(_ query: [String: String], _ request: Request) throws -> WriteOptions {
        try WriteOptions(query: query, userAgent: request.headers[.userAgent])
    }

    /// The whole body, refusing more than 3 MiB.
    func collect(_ request: inout Request) async throws -> [UInt8] {
        var out: [UInt8] = []
        for try await buf in request.body {
            out.append(contentsOf: buf.readableBytesView)
            if out.count > BodyDecoder.maxBodyBytes {
                throw APIError.tooLarge("the request body is larger than the limit of \(BodyDecoder.maxBodyBytes) bytes")
            }
        }
        return out
    }
}

/// Go-compatible query parsing (`+` is a space; percent escapes decoded).
enum QueryString {
    static func parse(_ query: String?) -> [String: String] {
        guard let q = query, !q.isEmpty else { return [:] }
        var out: [String: String] = [:]
        for pair in q.split(separator: "&") {
            let kv = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            let k = decode(kv[0])
            let v = kv.count > 1 ? decode(kv[1]) : ""
            if out[k] == nil { out[k] = v }
        }
        return out
    }

    static func decode(_ s: Substring) -> String {
        let plus = s.replacingOccurrences(of: "+", with: " ")
        return plus.removingPercentEncoding ?? plus
    }
}
