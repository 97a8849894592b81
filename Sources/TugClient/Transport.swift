import Foundation
import TugAPI

/// One request to the API server, as a path relative to the server (`/api/v1/namespaces/x/pods`).
public struct ClientRequest: Sendable {
    public var method: String
    public var path: String
    /// Query parameters in order (already unescaped; the transport escapes them).
    public var query: [(String, String)]
    public var contentType: String?
    public var body: [UInt8]?

    public init(method: String, path: String, query: [(String, String)] = [], contentType: String? = nil, body: [UInt8]? = nil) {
        self.method = method
        self.path = path
        self.query = query
        self.contentType = contentType
        self.body = body
    }

    /// `path?k=v&…` with the values percent-escaped.
    public var target: String {
        guard !query.isEmpty else { return path }
        var allowed = CharacterSet.urlQueryAllowed
        allowed.remove(charactersIn: "&=+;,/?")
        let q = query.map { k, v in "\(k)=\(v.addingPercentEncoding(withAllowedCharacters: allowed) ?? v)" }
        return path + "?" + q.joined(separator: "&")
    }
}

/// A whole answer.
public struct ClientResponse: Sendable {
    public var status: Int
    public var body: [UInt8]
    public init(status: Int, body: [UInt8]) {
        self.status = status
        self.body = body
    }
}

/// An answer read as it arrives (watches): the status, then the body in chunks.
public struct StreamingResponse: Sendable {
    public var status: Int
    public var body: AsyncThrowingStream<[UInt8], any Error>
    public init(status: Int, body: AsyncThrowingStream<[UInt8], any Error>) {
        self.status = status
        self.body = body
    }
}

/// How requests reach the API server: over HTTP (`HTTPTransport`), or inside the `tug server`
/// process without a socket (the in-process transport the server provides). Same API either way.
public protocol Transport: Sendable {
    func send(_ request: ClientRequest) async throws -> ClientResponse
    func stream(_ request: ClientRequest) async throws -> StreamingResponse
    /// Releases connections; the transport is unusable afterwards.
    func shutdown() async throws
    /// A watch whose events the transport can hand over already typed (inside the server, from
    /// the watch cache); nil when it cannot, and the client decodes `stream`'s bytes instead.
    func watch<T: APIObject>(_ request: ClientRequest, as type: T.Type) async throws -> TypedWatch<T>?
}

extension Transport {
    public func shutdown() async throws {}
    public func watch<T: APIObject>(_ request: ClientRequest, as type: T.Type) async throws -> TypedWatch<T>? { nil }
}

/// The answer to a typed watch: its events, or the failure the server sent.
public enum TypedWatch<T: APIObject>: Sendable {
    case events(AsyncThrowingStream<WatchEvent<T>, any Error>)
    case failed(status: Int, body: [UInt8])
}
