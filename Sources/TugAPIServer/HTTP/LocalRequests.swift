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
        var fields = HTTPFields()
        fields[.accept] = "application/json"
        fields[.userAgent] = userAgent
        if let contentType { fields[.contentType] = contentType }
        if let body { fields[.contentLength] = String(body.count) }
        let head = HTTPRequest(method: HTTPRequest.Method(method) ?? .get, scheme: "http", authority: "local", path: target, headerFields: fields)
        let request = Request(head: head, body: RequestBody(buffer: ByteBuffer(bytes: body ?? [])))
        let response = await responder.handle(request)
        let (stream, cont) = AsyncThrowingStream<[UInt8], any Error>.makeStream()
        let writer = Task {
            do {
                try await response.body.write(StreamWriter(continuation: cont))
            } catch {
                cont.finish(throwing: error)
            }
        }
        cont.onTermination = { _ in writer.cancel() }
        return (Int(response.status.code), stream)
    }

    /// Hands each written buffer to the stream; a consumer that went away ends the writer.
    struct StreamWriter: ResponseBodyWriter {
        let continuation: AsyncThrowingStream<[UInt8], any Error>.Continuation

        mutating func write(_ buffer: ByteBuffer) async throws {
            if case .terminated = continuation.yield(Array(buffer.readableBytesView)) { throw CancellationError() }
        }

        consuming func finish(_ trailingHeaders: HTTPFields?) async throws { continuation.finish() }
    }
}
