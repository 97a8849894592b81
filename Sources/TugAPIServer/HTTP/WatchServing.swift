import Foundation
import Hummingbird
import NIOCore
import TugAPI
import TugStore

/// GET with `watch=true`: newline-delimited watch events, from the watch cache or, for a
/// resourceVersion older than the cache's history, replayed from the store.
struct WatchServing {
    let dispatcher: CacheDispatcher
    let store: any Store

    func watch(_ h: ResourceHandler, namespace: String?, query: [String: String], table: TableRequest?) async throws -> Response {
        let filter = try SelectorQuery.filter(namespace: namespace, query: query, handler: h)
        let bookmarks = query["allowWatchBookmarks"] == "true"
        let sendInitial = query["sendInitialEvents"]
        let rvParam = query["resourceVersion"] ?? ""
        var timeout = 1800
        if let t = query["timeoutSeconds"] {
            guard let v = Int(t), v >= 0 else { throw APIError.badRequest("timeoutSeconds must be a non-negative integer") }
            if v > 0 { timeout = v }
        }

        let stream: WatchBuffer
        if let si = sendInitial {
            guard si == "true" || si == "false" else { throw APIError.badRequest("sendInitialEvents must be true or false") }
            guard query["resourceVersionMatch"] == "NotOlderThan" else {
                throw APIError.invalid(kind: "ListOptions", group: "meta.k8s.io", name: "",
                                       [.forbidden("resourceVersionMatch", "sendInitialEvents requires setting resourceVersionMatch to NotOlderThan")])
            }
            guard si == "false" || bookmarks else {
                throw APIError.invalid(kind: "ListOptions", group: "meta.k8s.io", name: "",
                                       [.forbidden("allowWatchBookmarks", "allowWatchBookmarks must be set to true when sendInitialEvents is set to true")])
            }
        }
        if sendInitial == "true" || rvParam.isEmpty || rvParam == "0" {
            if rvParam.isEmpty || sendInitial == "true" { await dispatcher.waitUntil(try await store.currentRevision) }
            if let rv = Int64(rvParam), rv > 0 { await dispatcher.waitUntil(rv) }
            guard let s = h.cache.watch(filter, start: .initialEvents(bookmarkAtEnd: sendInitial == "true"), bookmarks: bookmarks) else {
                throw APIError.tooManyRequests("too many objects to send as initial watch events; list first, then watch from the list's resourceVersion")
            }
            stream = s
        } else {
            guard let rv = Int64(rvParam) else { throw APIError.badRequest("invalid resourceVersion \"\(rvParam)\"") }
            let current = try await store.currentRevision
            if rv > current {
                throw APIError(code: 504, reason: "Timeout", message: "Too large resource version: \(rv), current: \(current)")
            }
            await dispatcher.waitUntil(rv)
            if let s = h.cache.watch(filter, start: .after(rv), bookmarks: bookmarks) {
                stream = s
            } else {
                stream = replay(h, filter: filter, from: rv)
            }
        }
        let info = h.info
        let deadline = ContinuousClock.now + .seconds(timeout)
        let body = ResponseBody { writer in
            // timeoutSeconds ends the watch normally.
            let timer = Task {
                try? await Task.sleep(until: deadline, clock: .continuous)
                stream.finish()
            }
            var first = true
            do {
                let local = table == nil ? writer as? LocalRequests.EventWriter : nil
                while true {
                    let items = try await stream.next()
                    if items.isEmpty { break }
                    if let local {
                        // In-process watcher: events go over whole, no JSON on either side.
                        for item in items {
                            if case .event(let e) = item {
                                try local.deliver(e)
                            } else {
                                var out = ByteBuffer()
                                WatchServing.encode(item, info: info, handler: h, table: nil, first: false, into: &out)
                                try await writer.write(out)
                            }
                        }
                        continue
                    }
                    if items.count == 1, table == nil, case .event(let e) = items[0] {
                        // The shared, already encoded line: no copy.
                        try await writer.write(e.line)
                        continue
                    }
                    var out = ByteBuffer()
                    for item in items {
                        WatchServing.encode(item, info: info, handler: h, table: table, first: first, into: &out)
                        first = false
                    }
                    try await writer.write(out)
                }
            } catch let e as APIError {
                try? await writer.write(ByteBuffer(bytes: WatchServing.errorLine(e)))
            } catch StoreError.compacted(let requested, let at) {
                try? await writer.write(ByteBuffer(bytes: WatchServing.errorLine(.expired("too old resource version: \(requested) (\(at))"))))
            } catch StoreError.watcherTooSlow {
                try? await writer.write(ByteBuffer(bytes: WatchServing.errorLine(.gone("the watch fell behind and was closed; watch again"))))
            } catch {}
            // Also when the client went away: the cache drops this watcher.
            stream.finish()
            timer.cancel()
            try await writer.finish(nil)
        }
        return Response(status: .ok, headers: [.contentType: "application/json", .cacheControl: "no-cache"], body: body)
    }

    static func errorLine(_ e: APIError) -> [UInt8] {
        Array("{\"type\":\"ERROR\",\"object\":".utf8) + Array(e.status.serialized()) + Array("}\n".utf8)
    }

    /// Events after `from` straight from the store's history, for revisions the cache no longer holds.
    func replay(_ h: ResourceHandler, filter: ObjectFilter, from: Int64) -> WatchBuffer {
        var prefix = h.info.storePrefix
        if let ns = filter.namespace, h.info.namespaced { prefix += "\(ns)/" }
        let source = store.watch(prefix: prefix, fromRevision: from)
        let buffer = WatchBuffer()
        let task = Task {
            var seen: [String: CachedObject] = [:]
            do {
                for try await e in source {
                    let ev: CacheEvent
                    switch e {
                    case .put(let v, let prev):
                        let o = h.cache.makeObject(v)
                        let p = prev.map { h.cache.makeObject($0) } ?? seen[v.key]
                        ev = CacheEvent(type: prev == nil ? .added : .modified, object: o, previous: p)
                        seen[v.key] = o
                    case .delete(let v, let prev):
                        ev = CacheEvent(type: .deleted, object: h.cache.makeObject(v), previous: h.cache.makeObject(prev))
                        seen[v.key] = nil
                    }
                    if let t = filter.translate(ev), !buffer.push(.event(t)) { return }
                }
                buffer.finish()
            } catch {
                buffer.finish(throwing: error)
            }
        }
        buffer.onEnd { task.cancel() }
        return buffer
    }

    static func encode(_ item: WatchItem, info: ResourceInfo, handler: ResourceHandler, table: TableRequest?, first: Bool,
                       into out: inout ByteBuffer) {
        switch item {
        case .event(let e):
            guard let t = table else {
                out.writeImmutableBuffer(e.line)
                return
            }
            var tv = handler.table([e.object], includeObject: t.includeObject, wide: false)
            if !first { tv["columnDefinitions"] = .array([]) }
            tv["metadata"] = .object(["resourceVersion": .string(String(e.revision))])
            out.writeString("{\"type\":\"\(e.type.rawValue)\",\"object\":")
            out.writeBytes(JSONWriter.write(tv))
            out.writeString("}\n")
        case .bookmark(let rev, let end):
            var meta: [String: JSONValue] = ["resourceVersion": .string(String(rev))]
            if end { meta["annotations"] = .object(["k8s.io/initial-events-end": "true"]) }
            let obj: JSONValue = .object(["kind": .string(info.kind), "apiVersion": .string(info.apiVersion), "metadata": .object(meta)])
            out.writeString("{\"type\":\"BOOKMARK\",\"object\":")
            out.writeBytes(JSONWriter.write(obj))
            out.writeString("}\n")
        }
    }
}
