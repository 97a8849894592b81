import AsyncHTTPClient
import Foundation
import Hummingbird
import NIOCore
import TugAPI

/// `metrics.k8s.io/v1beta1` (what metrics-server serves and `kubectl top` reads): NodeMetrics
/// and PodMetrics built from each node agent's `/stats/summary`, read when asked. CPU is shown
/// in nanocores (`123456n`) and memory (working set) in KiB, as metrics-server does.
enum MetricsAPI {
    static let group = "metrics.k8s.io"
    static let version = "v1beta1"
    static let prefix = "/apis/metrics.k8s.io/v1beta1"

    /// The resources for discovery: (resource, kind, namespaced).
    static let resources: [(resource: String, kind: String, namespaced: Bool)] = [("nodes", "NodeMetrics", false), ("pods", "PodMetrics", true)]

    static func handles(_ path: String) -> Bool { path == prefix || path.hasPrefix(prefix + "/") }

    static func serve(_ core: APIServerCore, path: String, query rawQuery: String?, method: HTTPRequest.Method) async throws -> Response {
        let parts = path.dropFirst(prefix.count).split(separator: "/").map(String.init)
        if parts.isEmpty {
            guard let list = Discovery.resourceList(group: group, version: version) else { throw notFound(path) }
            return HTTPReply.json(list)
        }
        guard method == .get else {
            throw APIError(code: 405, reason: "MethodNotAllowed", message: "the server does not allow this method on the requested resource")
        }
        let query = QueryString.parse(rawQuery)
        let selector: Labels.Selector?
        do { selector = try query["labelSelector"].map { try Labels.Selector(parsing: $0) } } catch {
            throw APIError.badRequest("unable to parse requirement: \(error)")
        }
        switch parts.count {
        case 1 where parts[0] == "nodes", 2 where parts[0] == "nodes":
            var items = try await nodeMetrics(core)
            if let selector { items = items.filter { selector.matches(labels: $0.labels) } }
            if parts.count == 2 {
                guard let one = items.first(where: { $0.name == parts[1] }) else {
                    throw APIError(code: 404, reason: "NotFound", message: "nodemetrics.metrics.k8s.io \"\(parts[1])\" not found")
                }
                return HTTPReply.json(one.json)
            }
            return HTTPReply.json(list("NodeMetricsList", items.map(\.json)))
        case 1 where parts[0] == "pods", 3 where parts[0] == "namespaces" && parts[2] == "pods",
             4 where parts[0] == "namespaces" && parts[2] == "pods":
            let namespace = parts.count >= 3 ? parts[1] : nil
            var items = try await podMetrics(core, namespace: namespace)
            if let selector { items = items.filter { selector.matches(labels: $0.labels) } }
            if parts.count == 4 {
                guard let one = items.first(where: { $0.name == parts[3] }) else {
                    throw APIError(code: 404, reason: "NotFound", message: "podmetrics.metrics.k8s.io \"\(namespace ?? "")/\(parts[3])\" not found")
                }
                return HTTPReply.json(one.json)
            }
            return HTTPReply.json(list("PodMetricsList", items.map(\.json)))
        default:
            throw notFound(path)
        }
    }

    struct Item {
        var name: String
        var labels: [String: String]
        var json: JSONValue
    }

    static func list(_ kind: String, _ items: [JSONValue]) -> JSONValue {
        .object(["kind": .string(kind), "apiVersion": .string("\(group)/\(version)"), "metadata": .object([:]), "items": .array(items)])
    }

    static func notFound(_ path: String) -> APIError {
        APIError(code: 404, reason: "NotFound", message: "the server could not find the requested resource (\(path))")
    }

    /// One summary per node whose agent answers; a node without one is left out, as
    /// metrics-server leaves out nodes it cannot scrape.
    static func summaries(_ core: APIServerCore) async throws -> [(node: CoreV1.Node, summary: JSONValue)] {
        guard let handler = core.registry.handler(group: "", version: "v1", resource: "nodes") else { return [] }
        let bytes = try await core.listServing.list(handler, namespace: nil, query: [:], table: nil)
        let nodes = try APICoding.decode(NodeList.self, from: bytes).items
        return await withTaskGroup(of: (CoreV1.Node, JSONValue)?.self) { group in
            for node in nodes {
                group.addTask {
                    guard let name = node.metadata.name,
                          let (host, port) = try? await PodStreamingTarget.agentEndpoint(core, nodeName: name) else { return nil }
                    let agent = PodStreamingTarget(namespace: "", pod: "", container: nil, host: host, port: port)
                    let url = agent.url(scheme: "http", path: "/stats/summary")
                    guard let response = try? await HTTPClient.shared.execute(HTTPClientRequest(url: url), timeout: .seconds(5)),
                          response.status == .ok,
                          let body = try? await response.body.collect(upTo: 16 << 20),
                          let summary = try? APICoding.decode(JSONValue.self, from: Array(body.readableBytesView)) else { return nil }
                    return (node, summary)
                }
            }
            var out: [(CoreV1.Node, JSONValue)] = []
            for await r in group { if let r { out.append(r) } }
            return out.sorted { ($0.0.metadata.name ?? "") < ($1.0.metadata.name ?? "") }
        }
    }

    struct NodeList: Decodable { var items: [CoreV1.Node] }

    static func nodeMetrics(_ core: APIServerCore) async throws -> [Item] {
        try await summaries(core).compactMap { node, summary in
            let n = summary["node"]
            guard let cpu = n?["cpu"]?["usageNanoCores"]?.intValue, let memory = n?["memory"]?["workingSetBytes"]?.intValue else { return nil }
            let name = node.metadata.name ?? ""
            let json: JSONValue = .object([
                "kind": "NodeMetrics", "apiVersion": .string("\(group)/\(version)"),
                "metadata": .object(["name": .string(name), "labels": .object((node.metadata.labels ?? [:]).mapValues { .string($0) }),
                                     "creationTimestamp": .string(Time.now().rfc3339)]),
                "timestamp": n?["cpu"]?["time"] ?? .string(Time.now().rfc3339), "window": "10s",
                "usage": .object(["cpu": .string("\(cpu)n"), "memory": .string("\(memory / 1024)Ki")]),
            ])
            return Item(name: name, labels: node.metadata.labels ?? [:], json: json)
        }
    }

    static func podMetrics(_ core: APIServerCore, namespace: String?) async throws -> [Item] {
        var items: [Item] = []
        for (_, summary) in try await summaries(core) {
            for pod in summary["pods"]?.arrayValue ?? [] {
                guard let ref = pod["podRef"], let ns = ref["namespace"]?.stringValue, let name = ref["name"]?.stringValue,
                      namespace == nil || namespace == ns else { continue }
                var containers: [JSONValue] = []
                var complete = true
                for c in pod["containers"]?.arrayValue ?? [] {
                    guard let cpu = c["cpu"]?["usageNanoCores"]?.intValue, let memory = c["memory"]?["workingSetBytes"]?.intValue else {
                        complete = false
                        continue
                    }
                    containers.append(.object(["name": c["name"] ?? "", "usage": .object(["cpu": .string("\(cpu)n"), "memory": .string("\(memory / 1024)Ki")])]))
                }
                // metrics-server leaves out pods whose containers have no rate yet.
                guard complete, !containers.isEmpty else { continue }
                let labels = try? await podLabels(core, namespace: ns, name: name)
                let json: JSONValue = .object([
                    "kind": "PodMetrics", "apiVersion": .string("\(group)/\(version)"),
                    "metadata": .object(["name": .string(name), "namespace": .string(ns),
                                         "labels": .object((labels ?? [:]).mapValues { .string($0) }),
                                         "creationTimestamp": .string(Time.now().rfc3339)]),
                    "timestamp": pod["containers"]?.arrayValue?.first?["cpu"]?["time"] ?? .string(Time.now().rfc3339), "window": "10s",
                    "containers": .array(containers),
                ])
                items.append(Item(name: name, labels: labels ?? [:], json: json))
            }
        }
        return items.sorted { $0.name < $1.name }
    }

    static func podLabels(_ core: APIServerCore, namespace: String, name: String) async throws -> [String: String] {
        guard let pods = core.registry.handler(group: "", version: "v1", resource: "pods") else { return [:] }
        let pod = try APICoding.decode(CoreV1.Pod.self, from: try await pods.get(namespace: namespace, name: name, subresource: nil))
        return pod.metadata.labels ?? [:]
    }
}
