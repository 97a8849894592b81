import AsyncHTTPClient
import Foundation
import NIOCore
import NIOHTTP1

/// The HTTP GET that httpGet probes and lifecycle hooks make, with kubelet's client rules:
/// TLS certificates are not verified, no keep-alive, redirects followed only to the same host
/// (at most 10), at most 10 KiB of body read, and Go's error texts
/// (`Get "http://10.0.0.5:8080/healthz": context deadline exceeded (…)`). One per agent; call
/// `shutdown()` when the agent stops.
public final class HTTPGetClient: Sendable {
    /// Kubelet reads at most this much of a probe's response body.
    public static let maxBodyLength = 10 * 1024
    static let maxRedirects = 10

    /// What the GET answered.
    public struct Response: Sendable, Hashable {
        public var statusCode: Int
        /// The body, cut at `maxBodyLength` bytes.
        public var body: String
    }

    /// Why there is no response, in Go's words.
    public struct Failure: Error, Sendable, Hashable, CustomStringConvertible {
        public var description: String
        /// The server answered an HTTPS request with plain HTTP (hooks then retry over HTTP).
        public var httpResponseToHTTPSClient: Bool
    }

    /// `scheme://host:port/path?query` exactly as kubelet builds it.
    public struct Target: Sendable, Hashable {
        public var scheme: String
        public var host: String
        public var port: Int
        /// The action's `path`, query included, as written in the spec.
        public var path: String

        public init(scheme: String, host: String, port: Int, path: String) {
            self.scheme = scheme
            self.host = host
            self.port = port
            self.path = path
        }

        /// As Go's `url.URL.String()` prints it: no slash added to an empty path.
        public var urlString: String {
            var p = path
            if !p.isEmpty && !p.hasPrefix("/") { p = "/" + p }
            return "\(scheme)://\(joinHostPort(host, port))\(p)"
        }

        /// What is requested: an empty path means `/`.
        var requestURLString: String {
            path.isEmpty ? urlString + "/" : urlString
        }
    }

    private let client: HTTPClient

    public init() {
        var config = HTTPClient.Configuration(certificateVerification: .none, redirectConfiguration: .disallow,
                                              decompression: .disabled)
        config.connectionPool.retryConnectionEstablishment = false
        config.maximumUsesPerConnection = 1
        config.httpVersion = .http1Only
        client = HTTPClient(eventLoopGroupProvider: .singleton, configuration: config)
    }

    public func shutdown() async throws {
        try await client.shutdown()
    }

    /// GETs `target` with `headers` (their order kept; a `Host` header sets the request's host),
    /// adding `User-Agent: kube-<purpose>/<version>` and `Accept: */*` unless given. `timeout`
    /// bounds the whole exchange, redirects and body included.
    public func get(_ target: Target, headers: [(name: String, value: String)], userAgentPurpose: String,
                    timeout: Duration?) async -> Result<Response, Failure> {
        var fields = HTTPHeaders()
        for (name, value) in headers { fields.add(name: name, value: value) }
        if !fields.contains(name: "User-Agent") { fields.add(name: "User-Agent", value: "kube-\(userAgentPurpose)/\(Self.kubeVersion)") }
        if !fields.contains(name: "Accept") {
            fields.add(name: "Accept", value: "*/*")
        } else if fields["Accept"].allSatisfy(\.isEmpty) {
            fields.remove(name: "Accept")
        }
        let deadline = timeout.map { NIODeadline.now() + TimeAmount.nanoseconds(max(1, Int64($0.timeInterval * 1e9))) }
            ?? NIODeadline.distantFuture
        let originalHost = target.host.lowercased()
        var shownURL = target.urlString
        var requestURL = target.requestURLString
        var redirects = 0
        while true {
            var request = HTTPClientRequest(url: requestURL)
            request.method = .GET
            request.headers = fields
            let response: HTTPClientResponse
            do {
                response = try await client.execute(request, deadline: deadline)
            } catch {
                return .failure(failure(error, url: shownURL, target: target, readingBody: false))
            }
            let status = Int(response.status.code)
            if [301, 302, 303, 307, 308].contains(status), let location = response.headers.first(name: "Location"),
               let base = URL(string: requestURL), let next = URL(string: location, relativeTo: base)?.absoluteURL,
               (next.host ?? "").lowercased() == originalHost {
                // Same host: follow, like kubelet's redirect checker; another host ends here.
                redirects += 1
                let nextString = next.absoluteString
                if redirects > Self.maxRedirects {
                    return .failure(Failure(description: "Get \(GoQuoting.quote(nextString)): stopped after 10 redirects",
                                            httpResponseToHTTPSClient: false))
                }
                shownURL = nextString
                requestURL = nextString
                continue
            }
            do {
                let body = try await readBody(response.body)
                return .success(Response(statusCode: status, body: body))
            } catch {
                return .failure(failure(error, url: shownURL, target: target, readingBody: true))
            }
        }
    }

    /// Reads up to `maxBodyLength` bytes and drops the rest, as kubelet's `ReadAtMost` does.
    private func readBody(_ body: HTTPClientResponse.Body) async throws -> String {
        var bytes: [UInt8] = []
        for try await chunk in body {
            let room = Self.maxBodyLength - bytes.count
            if room <= 0 { break }
            bytes += chunk.readableBytesView.prefix(room)
        }
        return String(decoding: bytes, as: UTF8.self)
    }

    private func failure(_ error: any Error, url: String, target: Target, readingBody: Bool) -> Failure {
        let quoted = GoQuoting.quote(url)
        if GoNetErrorText.isTimeout(error) {
            let detail = readingBody ? "Client.Timeout or context cancellation while reading body" : "Client.Timeout exceeded while awaiting headers"
            return Failure(description: "Get \(quoted): context deadline exceeded (\(detail))", httpResponseToHTTPSClient: false)
        }
        if let dial = GoNetErrorText.dial(error, host: target.host, port: target.port) {
            return Failure(description: "Get \(quoted): \(dial)", httpResponseToHTTPSClient: false)
        }
        let text = String(describing: error)
        if target.scheme == "https", Self.looksLikePlainHTTPAnswer(text) {
            return Failure(description: "Get \(quoted): http: server gave HTTP response to HTTPS client", httpResponseToHTTPSClient: true)
        }
        if let http = error as? HTTPClientError, http == .remoteConnectionClosed {
            return Failure(description: "Get \(quoted): EOF", httpResponseToHTTPSClient: false)
        }
        return Failure(description: "Get \(quoted): \(text)", httpResponseToHTTPSClient: false)
    }

    /// BoringSSL's complaint when the peer's first bytes are not a TLS record.
    private static func looksLikePlainHTTPAnswer(_ text: String) -> Bool {
        text.contains("WRONG_VERSION_NUMBER") || text.contains("wrong version number") || text.contains("HTTP_REQUEST")
    }

    /// The Kubernetes minor version this agent speaks, for `kube-probe/1.xx`.
    static let kubeVersion = "1.37"
}
