import Foundation
import Logging
import NIOCore
import NIOPosix
import Synchronization
import Testing
import TugAPI
import TugAPIServer
import TugClient
import TugInProcess
import TugStore
@testable import TugNetwork

/// An in-process API server with a running `UserspaceProxy` (node `node-a`, node IP 127.0.0.1),
/// and helpers to publish Services and EndpointSlices to it.
struct UserspaceTestCluster: Sendable {
    typealias F = ProxyFixtures

    let client: APIClient
    let proxy: UserspaceProxy
    /// What the proxy logged at warning level or above.
    let warnings: UserspaceLogCapture

    /// Runs `body` with a fresh cluster and proxy, then stops the proxy (closing its listeners
    /// and taking its ClusterIPs off `lo`) and the API server's event feed, whatever happened.
    static func with(tuning: UserspaceProxyTuning = fastTuning, clusterIPs: Bool = false,
                     _ body: (UserspaceTestCluster) async throws -> Void) async throws {
        let core = APIServerCore(store: MemoryStore(), serverAddress: "http://127.0.0.1:0", logger: Logger(label: "test"))
        try await core.bootstrap()
        let dispatcher = core.dispatcher
        let feed = Task { try await dispatcher.run() }
        let client = APIClient(transport: InProcessTransport(core: core), fieldManager: "tests")
        if clusterIPs {
            // The API server's own Service (10.43.0.1) would be put on the host's lo too: not in a test.
            try await client.delete(CoreV1.Service.self, namespace: "default", name: "kubernetes")
        }
        let warnings = UserspaceLogCapture()
        let logger = Logger(label: "test") { _ in warnings.handler() }
        let proxy = UserspaceProxy(client: client, options: try F.options(nodeIPs: ["127.0.0.1"]), clusterIPs: clusterIPs,
                                   tuning: tuning, logger: logger)
        let running = Task { try await proxy.run() }
        var failure: (any Error)?
        do { try await body(UserspaceTestCluster(client: client, proxy: proxy, warnings: warnings)) } catch { failure = error }
        running.cancel()
        _ = try? await running.value
        feed.cancel()
        if let failure { throw failure }
    }

    static let fastTuning = UserspaceProxyTuning(connectTimeout: .seconds(2), udpIdleTimeout: .seconds(60), retryInterval: .milliseconds(200))

    /// Creates a Service with one port named `http` (and a ClusterIP given, so tests know it).
    @discardableResult
    func createService(_ name: String, type: String = "NodePort", proto: String = "TCP", port: Int = 80, nodePort: Int? = nil,
                       clusterIP: String = "10.43.0.20", externalIPs: [String]? = nil, affinityTimeout: Int? = nil) async throws -> CoreV1.Service {
        var service = F.service(name, clusterIP: clusterIP, type: type,
                                ports: [CoreV1.ServicePort(name: "http", protocol: proto, port: port, targetPort: 8080, nodePort: nodePort)],
                                externalIPs: externalIPs, affinityTimeout: affinityTimeout)
        service.spec?.clusterIPs = nil
        return try await client.create(service)
    }

    /// One EndpointSlice per backend (each backend has its own port), all ready on this node.
    func publish(_ service: String, backends: [Int], proto: String = "TCP", ready: Bool = true) async throws {
        for (i, port) in backends.enumerated() {
            try await publishSlice(service, index: i, port: port, proto: proto, ready: ready)
        }
    }

    func publishSlice(_ service: String, index: Int, port: Int, proto: String = "TCP", ready: Bool = true) async throws {
        var slice = DiscoveryV1.EndpointSlice(metadata: MetaV1.ObjectMeta(name: "\(service)-\(index)", namespace: "default"))
        slice.metadata.labels = ["kubernetes.io/service-name": service]
        slice.addressType = "IPv4"
        slice.ports = [DiscoveryV1.EndpointPort(name: "http", protocol: proto, port: port)]
        slice.endpoints = [DiscoveryV1.Endpoint(addresses: ["127.0.0.1"], conditions: DiscoveryV1.EndpointConditions(ready: ready),
                                                nodeName: "node-a")]
        _ = try await client.create(slice)
    }

    func deleteSlice(_ service: String, index: Int) async throws {
        try await client.delete(DiscoveryV1.EndpointSlice.self, namespace: "default", name: "\(service)-\(index)")
    }

    /// Waits until the proxy listens on `listener` (`tcp 127.0.0.1:30080`) with `endpoints` endpoints.
    func waitForListener(_ listener: String, endpoints: Int? = nil) async throws {
        try await eventually("\(listener) with \(endpoints.map(String.init) ?? "any") endpoints") {
            guard let status = await proxy.listenerStatus().first(where: { $0.key.description == listener }) else { return false }
            return endpoints.map { status.endpoints.count == $0 } ?? true
        }
    }

    func waitUntilClosed(_ listener: String) async throws {
        try await eventually("\(listener) closed") { await !proxy.listening().contains(listener) }
    }
}

struct UserspaceTestTimeout: Error, CustomStringConvertible {
    var what: String
    var description: String { "timed out: \(what)" }
}

/// A port in the NodePort range free for both TCP and UDP on 127.0.0.1 right now.
func freeNodePort() async throws -> Int {
    for _ in 0..<200 {
        let port = Int.random(in: 30000...32767)
        guard let tcp = try? await ServerBootstrap(group: MultiThreadedEventLoopGroup.singleton).bind(host: "127.0.0.1", port: port).get() else { continue }
        let udp = try? await DatagramBootstrap(group: MultiThreadedEventLoopGroup.singleton).bind(host: "127.0.0.1", port: port).get()
        try? await tcp.close()
        guard let udp else { continue }
        try? await udp.close()
        return port
    }
    throw UserspaceTestTimeout(what: "a free port in 30000-32767")
}

/// Keeps the messages of warnings and errors (and prints them, as the default handler would).
final class UserspaceLogCapture: Sendable {
    private let messages = Mutex<[String]>([])

    var all: [String] { messages.withLock { $0 } }

    func handler() -> some LogHandler { Handler(capture: self) }

    private struct Handler: LogHandler {
        let capture: UserspaceLogCapture
        var metadata: Logger.Metadata = [:]
        var logLevel: Logger.Level = .info

        subscript(metadataKey key: String) -> Logger.Metadata.Value? {
            get { metadata[key] }
            set { metadata[key] = newValue }
        }

        func log(level: Logger.Level, message: Logger.Message, metadata: Logger.Metadata?, source: String,
                 file: String, function: String, line: UInt) {
            guard level >= .warning else { return }
            capture.messages.withLock { $0.append(message.description) }
            print("\(level) \(message)")
        }
    }
}
