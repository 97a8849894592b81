import Foundation
import TugAPIServer
import TugAPI
import TugClient

/// The client transport for components inside `tug server`: requests go to the API server's
/// routes directly, with no socket, and behave exactly as over HTTP.
public struct InProcessTransport: Transport {
    let local: LocalRequests
    let userAgent: String

    public init(core: APIServerCore, userAgent: String = "tug-in-process") {
        local = LocalRequests(core: core)
        self.userAgent = userAgent
    }

    public func send(_ request: ClientRequest) async throws -> ClientResponse {
        let r = await local.send(method: request.method, target: request.target, contentType: request.contentType, body: request.body, userAgent: userAgent)
        var body: [UInt8] = []
        for try await chunk in r.body { body += chunk }
        return ClientResponse(status: r.status, body: body)
    }

    public func stream(_ request: ClientRequest) async throws -> StreamingResponse {
        let r = await local.send(method: request.method, target: request.target, contentType: request.contentType, body: request.body, userAgent: userAgent)
        return StreamingResponse(status: r.status, body: r.body)
    }
}

extension InProcessTransport {
    /// Watches take the watch cache's events as they are: the typed object the cache decoded
    /// (or the first in-process watcher did) is shared, so no watcher parses JSON.
    public func watch<T: APIObject>(_ request: ClientRequest, as type: T.Type) async throws -> TypedWatch<T>? {
        let r = await local.watch(target: request.target, userAgent: userAgent)
        guard (200..<300).contains(r.status) else {
            var body: [UInt8] = []
            for try await chunk in r.body { if case .bytes(let b) = chunk { body += b } }
            return .failed(status: r.status, body: body)
        }
        return .events(AsyncThrowingStream { cont in
            let task = Task {
                do {
                    for try await chunk in r.body {
                        switch chunk {
                        case .event(let e):
                            let object: T = try e.typed.value { try APICoding.decode(T.self, from: e.object.bytes) }
                            switch e.type {
                            case .added: cont.yield(.added(object))
                            case .deleted: cont.yield(.deleted(object))
                            default: cont.yield(.modified(object))
                            }
                        case .bytes(let b):
                            for event in try WatchDecoder.decodeLines(T.self, b) { cont.yield(event) }
                        }
                    }
                    cont.finish()
                } catch {
                    cont.finish(throwing: error)
                }
            }
            cont.onTermination = { _ in task.cancel() }
        })
    }
}
