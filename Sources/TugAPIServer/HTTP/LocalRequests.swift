import Foundation
import HTTPTypes
import Hummingbird
import NIOCore

/// Requests from inside the `tug server` process (scheduler, controllers, the local agent),
/// answered by the same routes as HTTP requests but without a socket: the request is built in
/// memory and the response body is handed over as it is written (watches stream).
public struct LocalRequests: Sendable {
    let responder: APIResponder

    public init(core: APIServerCore) { responder = APIResponder(core: core) }

    /// Status and the body as it is written. `target` is the path with its query.
    public func send(method: String, target: String, contentType: String?, body: [UInt8]?, userAgent: String)
        async -> (status: Int, body: AsyncThrowingStream<[UInt8], any Error>) {
        await respond(Self.request(method: method, target: target, contentType: contentType, body: body, userAgent: userAgent),
                      writer: StreamWriter.init)
    }

    /// A watch whose events arrive as the cache's `CacheEvent`s (their bytes and, when already
    /// decoded, the typed object) instead of JSON lines; anything else the route writes
    /// (bookmarks, an error Status) arrives as bytes.
    public func watch(target: String, userAgent: String) async -> (status: Int, body: AsyncThrowingStream<LocalWatchChunk, any Error>) {
        await respond(Self.request(method: "GET", target: target, contentType: nil, body: nil, userAgent: userAgent),
                      writer: EventWriter.init)
    }

    /// Answers `request`; the body, as `writer` hands it over, becomes the stream.
    private func respond<Chunk: Sendable, W: ResponseBodyWriter & Sendable>(
        _ request: Request, writer make: @escaping @Sendable (AsyncThrowingStream<Chunk, any Error>.Continuation) -> W
    ) async -> (status: Int, body: AsyncThrowingStream<Chunk, any Error>) {
        let response = await responder.handle(request)
        let (stream, cont) = AsyncThrowingStream<Chunk, any Error>.makeStream()
        let writer = Task {
            do {
                try await response.body.write(make(cont))
            } catch {
                cont.finish(throwing: error)
            }
        }
        cont.onTermination = { _ in writer.cancel() }
        return (Int(response.status.code), stream)
    }

    static func request(method: String, target: String, contentType: String?, body: [UInt8]?, userAgent: String) -> Request {
        var fields = HTTPFields()
        fields[.accept] = "application/json"
        fields[.userAgent] = userAgent
        if let contentType { fields[.contentType] = contentType }
        if let body { fields[.contentLength] = String(body.count) }
        let head = HTTPRequest(method: HTTPRequest.Method(method) ?? .get, scheme: "http", authority: "local", path: target, headerFields: fields)
        return Request(head: head, body: RequestBody(buffer: ByteBuffer(bytes: body ?? [])))
    }

    /// Hands each written buffer to the stream; a consumer that went away ends the writer.
    struct StreamWriter: ResponseBodyWriter {
        let continuation: AsyncThrowingStream<[UInt8], any Error>.Continuation

        mutating func write(_ buffer: ByteBuffer) async throws {
            if case .terminated = continuation.yield(Array(buffer.readableBytesView)) { throw CancellationError() }
        }

        consuming func finish(_ trailingHeaders: HTTPFields?) async throws { continuation.finish() }
    }

    /// The writer of `watch`: `WatchServing` recognises it and delivers events whole.
    struct EventWriter: ResponseBodyWriter {
        let continuation: AsyncThrowingStream<LocalWatchChunk, any Error>.Continuation

        func deliver(_ event: CacheEvent) throws {
            if case .terminated = continuation.yield(.event(event)) { throw CancellationError() }
        }

        mutating func write(_ buffer: ByteBuffer) async throws {
            if case .terminated = continuation.yield(.bytes(Array(buffer.readableBytesView))) { throw CancellationError() }
        }

        consuming func finish(_ trailingHeaders: HTTPFields?) async throws { continuation.finish() }
    }
}

/// One piece of an in-process watch.
public enum LocalWatchChunk: Sendable {
    case event(CacheEvent)
    /// Whole JSON watch lines (bookmarks, errors) or a non-watch response body.
    case bytes([UInt8])
}
