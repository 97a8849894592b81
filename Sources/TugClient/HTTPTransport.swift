import AsyncHTTPClient
import Foundation
import NIOCore
import NIOHTTP1

/// Requests over HTTP with AsyncHTTPClient (plain HTTP until TLS lands). Bearer token when given.
public final class HTTPTransport: Transport {
    let http: HTTPClient
    let baseURL: String
    let token: String?
    let userAgent: String

    public init(server: String, token: String? = nil, userAgent: String = "tug", connectionsPerHost: Int = 64) {
        var config = HTTPClient.Configuration()
        config.connectionPool.concurrentHTTP1ConnectionsPerHostSoftLimit = connectionsPerHost
        config.timeout = .init(connect: .seconds(10))
        http = HTTPClient(eventLoopGroupProvider: .singleton, configuration: config)
        baseURL = server.hasSuffix("/") ? String(server.dropLast()) : server
        self.token = token
        self.userAgent = userAgent
    }

    func makeRequest(_ r: ClientRequest) -> HTTPClientRequest {
        var req = HTTPClientRequest(url: baseURL + r.target)
        req.method = HTTPMethod(rawValue: r.method)
        req.headers.add(name: "Accept", value: "application/json")
        req.headers.add(name: "User-Agent", value: userAgent)
        if let token { req.headers.add(name: "Authorization", value: "Bearer \(token)") }
        if let body = r.body {
            req.headers.add(name: "Content-Type", value: r.contentType ?? "application/json")
            req.body = .bytes(ByteBuffer(bytes: body))
        }
        return req
    }

    public func send(_ request: ClientRequest) async throws -> ClientResponse {
        let resp = try await http.execute(makeRequest(request), timeout: .seconds(60))
        let body = try await resp.body.collect(upTo: 256 << 20)
        return ClientResponse(status: Int(resp.status.code), body: Array(buffer: body))
    }

    public func stream(_ request: ClientRequest) async throws -> StreamingResponse {
        // Watches end by the server's timeoutSeconds; the read timeout only guards a dead peer.
        let resp = try await http.execute(makeRequest(request), timeout: .hours(2))
        let body = resp.body
        let stream = AsyncThrowingStream<[UInt8], any Error> { cont in
            let task = Task {
                do {
                    for try await chunk in body { cont.yield(Array(buffer: chunk)) }
                    cont.finish()
                } catch {
                    cont.finish(throwing: error)
                }
            }
            cont.onTermination = { _ in task.cancel() }
        }
        return StreamingResponse(status: Int(resp.status.code), body: stream)
    }

    public func shutdown() async throws { try await http.shutdown() }
}
