import AsyncHTTPClient
import Foundation
import Hummingbird
import Logging
import NIOCore
import NIOHTTP1

/// What the proxy knows about the client connection a request came on.
public struct IngressRequestContext: RequestContext {
    public var coreContext: CoreRequestContextStorage
    /// The client's address, for `X-Forwarded-For`.
    public let remoteAddress: SocketAddress?
    /// The address the client connected to (its port goes into `X-Forwarded-Port`).
    public let localAddress: SocketAddress?

    public init(source: ApplicationRequestContextSource) {
        coreContext = CoreRequestContextStorage(source: source)
        remoteAddress = source.channel.remoteAddress
        localAddress = source.channel.localAddress
    }
}

/// Answers every request on the Ingress listener: finds the route in the current table and
/// forwards to one of the backend's ready endpoints (chosen at random) through the shared
/// HTTP client, streaming the request and response bodies. No route: 404; a backend without
/// ready endpoints: 503; an endpoint that does not answer: 502.
public struct IngressProxyResponder: HTTPResponder {
    public typealias Context = IngressRequestContext

    let store: IngressRoutesStore
    let client: HTTPClient
    /// `http` or `https`, for `X-Forwarded-Proto`.
    let scheme: String
    /// How long the backend may take to send the response head.
    let responseTimeout: TimeAmount
    /// Endpoints tried at most for one retriable request.
    let maxAttempts = 3
    static let idempotent: Set<String> = ["GET", "HEAD", "OPTIONS", "TRACE"]

    public init(store: IngressRoutesStore, client: HTTPClient, scheme: String, responseTimeout: TimeAmount = .seconds(60)) {
        self.store = store
        self.client = client
        self.scheme = scheme
        self.responseTimeout = responseTimeout
    }

    public func respond(to request: Request, context: Context) async throws -> Response {
        let host = request.head.authority
        let target = request.head.path ?? "/"
        guard let route = store.routes.route(host: host, path: target) else {
            return Self.error(.notFound, "no Ingress rule matches host \"\(host ?? "")\" and path \"\(IngressRoutes.pathOnly(target))\", and no default backend is set")
        }
        let endpoints: [IngressEndpoint]
        switch route.state {
        case .ready(let ready): endpoints = ready
        case .unavailable(let why): return Self.error(.serviceUnavailable, "ingress \(route.ingress): \(why)")
        }
        guard !endpoints.isEmpty else {
            return Self.error(.serviceUnavailable, "ingress \(route.ingress): no ready endpoints")
        }

        let path = target.hasPrefix("/") ? target : "/" + target
        var upstream = HTTPClientRequest(url: "http://\(endpoints[0].authority)\(path)")
        upstream.method = HTTPMethod(rawValue: request.method.rawValue)
        upstream.headers = IngressForwardedHeaders.upstreamRequest(
            request.headers, host: host, clientAddress: context.remoteAddress?.ipAddress, scheme: scheme, port: context.localAddress?.port)
        if let length = request.headers[values: .contentLength].first.flatMap({ Int64($0) }) {
            if length > 0 { upstream.body = .stream(request.body, length: .known(length)) }
        } else if request.headers[values: .transferEncoding].contains(where: { $0.lowercased().contains("chunked") }) {
            upstream.body = .stream(request.body, length: .unknown)
        }

        // Endpoints are tried from a random one on; a request without a body and with an
        // idempotent method moves on to the next endpoint when one fails (as nginx's
        // proxy_next_upstream does), anything else gets 502 from the first failure.
        let retriable = upstream.body == nil && Self.idempotent.contains(request.method.rawValue)
        let attempts = retriable ? min(endpoints.count, maxAttempts) : 1
        let start = Int.random(in: 0..<endpoints.count)
        var failures: [String] = []
        var answer: HTTPClientResponse?
        for attempt in 0..<attempts {
            let endpoint = endpoints[(start + attempt) % endpoints.count]
            upstream.url = "http://\(endpoint.authority)\(path)"
            do {
                answer = try await client.execute(upstream, timeout: responseTimeout, logger: context.logger)
                break
            } catch let error as HTTPClientError where error == .invalidURL {
                return Self.error(.badRequest, "the request target \"\(target)\" cannot be forwarded: it is not a valid URL path")
            } catch {
                context.logger.info("ingress \(route.ingress): endpoint \(endpoint) of \(route.target) failed: \(error)")
                failures.append("endpoint \(endpoint) did not answer: \(error)")
            }
        }
        guard let response = answer else {
            return Self.error(.badGateway, "ingress \(route.ingress): \(failures.joined(separator: "; "))")
        }
        let headers = IngressForwardedHeaders.downstreamResponse(response.headers)
        let status = HTTPResponse.Status(code: Int(response.status.code), reasonPhrase: response.status.reasonPhrase)
        return Response(status: status, headers: headers, body: ResponseBody(asyncSequence: response.body))
    }

    /// A plain-text error answer that says what went wrong.
    static func error(_ status: HTTPResponse.Status, _ message: String) -> Response {
        var headers = HTTPFields()
        headers[.contentType] = "text/plain; charset=utf-8"
        let body = ByteBuffer(string: "\(status.code) \(status.reasonPhrase): \(message)\n")
        headers[.contentLength] = String(body.readableBytes)
        return Response(status: status, headers: headers, body: ResponseBody(byteBuffer: body))
    }
}
