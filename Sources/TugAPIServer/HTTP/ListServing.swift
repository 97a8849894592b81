import Foundation
import TugAPI
import TugStore

/// GET on a collection: lists from the watch cache (consistent with the store), or from the
/// store for continue pages and exact-revision reads; JSON list or Table.
struct ListServing {
    let dispatcher: CacheDispatcher
    let store: any Store

    struct ContinueToken: Codable {
        var v: String
        var rv: Int64
        var start: String
    }

    func list(_ h: ResourceHandler, namespace: String?, query: [String: String], table: TableRequest?) async throws -> [UInt8] {
        let filter = try SelectorQuery.filter(namespace: namespace, query: query, handler: h)
        let limit = Int(query["limit"] ?? "") ?? 0
        if limit < 0 { throw APIError.badRequest("limit must be a non-negative integer") }
        var items: [CachedObject]
        var revision: Int64
        var cont: String?
        var remaining: Int?

        if let c = query["continue"], !c.isEmpty {
            guard let data = Data(base64Encoded: c.padBase64()), let tok = try? JSONDecoder().decode(ContinueToken.self, from: data) else {
                throw APIError.badRequest("continue key is not valid: the token could not be decoded")
            }
            (items, revision, cont, remaining) = try await fromStore(h, filter: filter, atRevision: tok.rv, limit: limit, after: tok.start)
        } else {
            let rvParam = query["resourceVersion"] ?? ""
            let match = query["resourceVersionMatch"] ?? ""
            if !match.isEmpty, !["Exact", "NotOlderThan"].contains(match) {
                throw APIError.badRequest("resourceVersionMatch: Unsupported value: \"\(match)\": supported values: \"Exact\", \"NotOlderThan\"")
            }
            if match == "Exact" {
                guard let rv = Int64(rvParam), rv > 0 else {
                    throw APIError.badRequest("resourceVersionMatch=Exact requires a resourceVersion greater than 0")
                }
                (items, revision, cont, remaining) = try await fromStore(h, filter: filter, atRevision: rv, limit: limit, after: nil)
            } else {
                if rvParam.isEmpty {
                    await dispatcher.waitUntil(try await store.currentRevision)
                } else if rvParam != "0" {
                    guard let rv = Int64(rvParam) else { throw APIError.badRequest("invalid resourceVersion \"\(rvParam)\"") }
                    let current = try await store.currentRevision
                    if rv > current {
                        throw APIError(code: 504, reason: "Timeout", message: "Too large resource version: \(rv), current: \(current)",
                                       details: .init(causes: [.init(reason: "ResourceVersionTooLarge", message: "Too large resource version", field: "")], retryAfterSeconds: 1))
                    }
                    await dispatcher.waitUntil(rv)
                }
                let snap = h.cache.snapshot(filter, limit: limit)
                items = snap.objects
                revision = snap.revision
                if snap.more, let last = items.last {
                    remaining = snap.remaining
                    cont = token(rv: revision, lastKey: last.key)
                }
            }
        }
        var meta: [String: JSONValue] = ["resourceVersion": .string(String(revision))]
        if let c = cont { meta["continue"] = .string(c) }
        if let r = remaining, r > 0 { meta["remainingItemCount"] = .int(Int64(r)) }
        if let t = table {
            var tv = h.table(items, includeObject: t.includeObject, wide: false)
            tv["metadata"] = .object(meta)
            return Array(tv.serialized())
        }
        var out = Array("{\"kind\":\"\(h.info.listKind)\",\"apiVersion\":\"\(h.info.apiVersion)\",\"metadata\":".utf8)
        out += Array(JSONValue.object(meta).serialized())
        out += Array(",\"items\":[".utf8)
        for (i, o) in items.enumerated() {
            if i > 0 { out.append(UInt8(ascii: ",")) }
            out += o.bytes
        }
        out += Array("]}".utf8)
        return out
    }

    private func token(rv: Int64, lastKey: String) -> String {
        let t = ContinueToken(v: "meta.k8s.io/v1", rv: rv, start: lastKey)
        return (try? JSONEncoder().encode(t))?.base64EncodedString() ?? ""
    }

    /// A page from the store at a fixed revision; the filter is applied page by page.
    private func fromStore(_ h: ResourceHandler, filter: ObjectFilter, atRevision: Int64, limit: Int, after: String?) async throws
        -> ([CachedObject], Int64, String?, Int?)
    {
        var prefix = h.info.storePrefix
        if let ns = filter.namespace, h.info.namespaced { prefix += "\(ns)/" }
        var out: [CachedObject] = []
        var cursor = after
        do {
            while true {
                let page = try await store.list(prefix: prefix, atRevision: atRevision, limit: limit > 0 ? max(limit, 100) : nil, continueAfter: cursor)
                for v in page.items {
                    let o = h.cache.makeObject(v)
                    if filter.matches(o) { out.append(o) }
                    if limit > 0, out.count == limit {
                        let more = v.key != page.items.last?.key || page.more
                        return (out, atRevision, more ? token(rv: atRevision, lastKey: v.key) : nil, nil)
                    }
                }
                guard page.more, let last = page.items.last else { break }
                cursor = last.key
            }
        } catch StoreError.compacted(let requested, let at) {
            throw APIError.gone("The provided continue parameter is too old to display a consistent list result. You can start a new list without the continue parameter, or use the continue token in this response to retrieve the remainder of the results. (requested revision \(requested), compacted at \(at))")
        } catch StoreError.futureRevision(let requested, let current) {
            throw APIError(code: 504, reason: "Timeout", message: "Too large resource version: \(requested), current: \(current)")
        }
        return (out, atRevision, nil, nil)
    }
}

/// `kubectl get`'s request for Table output.
struct TableRequest {
    var includeObject: String

    static func from(accept: String?, query: [String: String]) -> TableRequest? {
        guard let a = accept?.replacingOccurrences(of: " ", with: ""), a.contains("as=Table") else { return nil }
        // Only when the first acceptable type is a Table (kubectl lists Table first).
        let first = a.split(separator: ",").first.map(String.init) ?? ""
        guard first.contains("as=Table") else { return nil }
        return TableRequest(includeObject: query["includeObject"] ?? "Metadata")
    }
}


extension String {
    func padBase64() -> String {
        let r = count % 4
        return r == 0 ? self : self + String(repeating: "=", count: 4 - r)
    }
}
