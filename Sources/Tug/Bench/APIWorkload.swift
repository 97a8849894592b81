import AsyncHTTPClient
import Foundation
import NIOCore
import NIOHTTP1

/// ConfigMap requests against a Kubernetes API server.
final class APIWorkload: Sendable {
    let http: HTTPClient
    let url: String
    let payload: String
    let namespace = "tug-bench-\(Int(Date().timeIntervalSince1970))"
    private let names = NamesBox()

    init(http: HTTPClient, url: String, payload: String) {
        self.http = http
        self.url = url.hasSuffix("/") ? String(url.dropLast()) : url
        self.payload = payload
    }

    var collection: String { "\(url)/api/v1/namespaces/\(namespace)/configmaps" }

    func send(_ method: HTTPMethod, _ url: String, _ body: String? = nil, expect: Int) async throws -> ByteBuffer {
        var req = HTTPClientRequest(url: url)
        req.method = method
        if let body {
            req.headers.add(name: "Content-Type", value: "application/json")
            req.body = .bytes(ByteBuffer(string: body))
        }
        let resp = try await http.execute(req, timeout: .seconds(60))
        let buf = try await resp.body.collect(upTo: 64 << 20)
        guard Int(resp.status.code) == expect else {
            throw BenchError.status(Int(resp.status.code), String(buffer: buf))
        }
        return buf
    }

    func createNamespace() async throws {
        _ = try await send(.POST, "\(url)/api/v1/namespaces", #"{"apiVersion":"v1","kind":"Namespace","metadata":{"name":"\#(namespace)"}}"#, expect: 201)
    }

    func deleteNamespace() async throws {
        _ = try await send(.DELETE, "\(url)/api/v1/namespaces/\(namespace)", expect: 200)
    }

    func create(_ client: Int, _ i: Int) async throws {
        let name = "cm-\(client)-\(i)"
        try await createNamed(name)
        await names.add(name)
    }

    func createNamed(_ name: String) async throws {
        _ = try await send(.POST, collection, #"{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"\#(name)"},"data":{"v":"\#(payload)"}}"#, expect: 201)
    }

    func get(_ name: String) async throws { _ = try await send(.GET, "\(collection)/\(name)", expect: 200) }
    func list(limit: Int) async throws { _ = try await send(.GET, "\(collection)?limit=\(limit)", expect: 200) }
    func createdNames() async -> [String] { await names.all }
}

actor NamesBox {
    var all: [String] = []
    func add(_ n: String) { all.append(n) }
}

enum BenchError: Error, CustomStringConvertible {
    case status(Int, String)
    var description: String {
        switch self { case .status(let c, let b): return "HTTP \(c): \(b.prefix(300))" }
    }
}

/// Raw puts against etcd's v3 JSON gateway.
struct EtcdWorkload: Sendable {
    let http: HTTPClient
    let url: String
    let payload: String

    func put(_ client: Int, _ i: Int) async throws {
        let key = Data("/registry/configmaps/bench/cm-\(client)-\(i)".utf8).base64EncodedString()
        let value = Data(#"{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"cm-\#(client)-\#(i)"},"data":{"v":"\#(payload)"}}"#.utf8).base64EncodedString()
        var req = HTTPClientRequest(url: "\(url)/v3/kv/put")
        req.method = .POST
        req.body = .bytes(ByteBuffer(string: #"{"key":"\#(key)","value":"\#(value)"}"#))
        let resp = try await http.execute(req, timeout: .seconds(60))
        let body = try await resp.body.collect(upTo: 1 << 20)
        guard resp.status == .ok else { throw BenchError.status(Int(resp.status.code), String(buffer: body)) }
    }
}
