import AsyncHTTPClient
import Foundation
import Hummingbird
import HummingbirdTLS
import Logging
import NIOCore
import ServiceLifecycle
import TugAPI
import TugClient

/// Tugboat's built-in Ingress controller, one per node: serves `networking.k8s.io/v1`
/// Ingresses of the `tugboat` class (the cluster's default class) as an HTTP/1.1 reverse proxy
/// on this node, and on a second port over TLS with the certificates of the Ingresses'
/// `spec.tls` Secrets. It makes sure the `tugboat` IngressClass exists and writes the node's
/// addresses into the status of the Ingresses it serves.
///
/// ```swift
/// let ingress = IngressController(client: client, nodeIPs: ["192.168.1.10"],
///                                 httpAddress: .init(host: "0.0.0.0", port: 80),
///                                 httpsAddress: .init(host: "0.0.0.0", port: 443), logger: logger)
/// // add `ingress` to the ServiceGroup
/// ```
public struct IngressController: Service {
    /// Where a listener binds.
    public struct ListenAddress: Sendable, Hashable {
        public var host: String
        /// 0 picks a free port (see `listening`).
        public var port: Int
        public init(host: String, port: Int) {
            self.host = host
            self.port = port
        }
    }

    let client: APIClient
    let nodeIPs: [String]
    let httpAddress: ListenAddress
    let httpsAddress: ListenAddress?
    let writesStatus: Bool
    let logger: Logger
    /// The routing table the proxy reads.
    public let routes: IngressRoutesStore
    /// The ports the listeners are bound to once they run.
    public let listening = IngressListeners()

    /// - Parameters:
    ///   - nodeIPs: the addresses clients reach this node's proxy on; they become the Ingresses'
    ///     `status.loadBalancer.ingress`.
    ///   - httpsAddress: nil serves no TLS (and watches no Secrets).
    ///   - writesStatus: false on nodes that should leave the status to another node's controller.
    public init(client: APIClient, nodeIPs: [String], httpAddress: ListenAddress, httpsAddress: ListenAddress? = nil,
                writesStatus: Bool = true, logger: Logger = Logger(label: "tug.ingress")) {
        self.client = client
        self.nodeIPs = nodeIPs
        self.httpAddress = httpAddress
        self.httpsAddress = httpsAddress
        self.writesStatus = writesStatus
        self.logger = logger
        self.routes = IngressRoutesStore()
    }

    public func run() async throws {
        var config = HTTPClient.Configuration()
        config.redirectConfiguration = .disallow
        config.decompression = .disabled
        config.httpVersion = .http1Only
        config.timeout = HTTPClient.Configuration.Timeout(connect: .seconds(5), read: .seconds(60))
        config.connectionPool = HTTPClient.Configuration.ConnectionPool(idleTimeout: .seconds(60),
                                                                         concurrentHTTP1ConnectionsPerHostSoftLimit: 64)
        // A refused connection is the proxy's answer (502, or the next endpoint), not a reason to
        // keep the client waiting while the pool retries.
        config.connectionPool.retryConnectionEstablishment = false
        let httpClient = HTTPClient(eventLoopGroupProvider: .singleton, configuration: config)
        do {
            try await serve(with: httpClient)
        } catch {
            try? await httpClient.shutdown()
            throw error
        }
        try await httpClient.shutdown()
    }

    private func serve(with httpClient: HTTPClient) async throws {
        let store = routes, listening = self.listening, logger = self.logger
        let http = Application(
            responder: IngressProxyResponder(store: store, client: httpClient, scheme: "http"),
            server: .http1(configuration: .init(idleTimeout: .seconds(75))),
            configuration: ApplicationConfiguration(address: .hostname(httpAddress.host, port: httpAddress.port), serverName: nil),
            onServerRunning: { channel in await listening.set(http: channel.localAddress?.port) },
            logger: logger)
        var https: Application<IngressProxyResponder>?
        if let httpsAddress {
            https = Application(
                responder: IngressProxyResponder(store: store, client: httpClient, scheme: "https"),
                server: try .tls(.http1(configuration: .init(idleTimeout: .seconds(75))),
                                 tlsConfiguration: IngressTLS.serverConfiguration(store: store)),
                configuration: ApplicationConfiguration(address: .hostname(httpsAddress.host, port: httpsAddress.port), serverName: nil),
                onServerRunning: { channel in await listening.set(https: channel.localAddress?.port) },
                logger: logger)
        }
        let httpsText = httpsAddress.map { ", HTTPS on \($0.host):\($0.port)" } ?? ""
        logger.info("ingress controller: HTTP on \(httpAddress.host):\(httpAddress.port)\(httpsText), node addresses \(nodeIPs)")
        try await withThrowingDiscardingTaskGroup { group in
            group.addTask { await cancelWhenGracefulShutdown { await self.runControlLoops() } }
            group.addTask { try await http.run() }
            if let https { group.addTask { try await https.run() } }
        }
    }

    /// Informers feeding the routing table, the status writer, and the IngressClass check,
    /// until cancelled.
    private func runControlLoops() async {
        let builder = IngressRouteBuilder(store: routes, logger: logger)
        let ingresses = Informer<NetworkingV1.Ingress>(client: client, logger: logger)
        let classes = Informer<NetworkingV1.IngressClass>(client: client, logger: logger)
        let services = Informer<CoreV1.Service>(client: client, logger: logger)
        let slices = Informer<DiscoveryV1.EndpointSlice>(client: client, logger: logger)
        let secrets = httpsAddress == nil ? nil
            : Informer<CoreV1.Secret>(client: client, fieldSelector: "type=kubernetes.io/tls", logger: logger)

        await ingresses.addHandler { event in
            switch event {
            case .added(let i), .updated(_, let i): await builder.setIngress(i)
            case .deleted(let i): await builder.removeIngress(key: Informer<NetworkingV1.Ingress>.key(i))
            }
        }
        await classes.addHandler { event in
            switch event {
            case .added(let c), .updated(_, let c): await builder.setClass(c)
            case .deleted(let c): await builder.removeClass(named: c.metadata.name ?? "")
            }
        }
        await services.addHandler { event in
            switch event {
            case .added(let s), .updated(_, let s): await builder.setService(s)
            case .deleted(let s): await builder.removeService(key: Informer<CoreV1.Service>.key(s))
            }
        }
        await slices.addHandler { event in
            switch event {
            case .added(let s), .updated(_, let s): await builder.setSlice(s)
            case .deleted(let s): await builder.removeSlice(s)
            }
        }
        await secrets?.addHandler { event in
            switch event {
            case .added(let s), .updated(_, let s): await builder.setSecret(s)
            case .deleted(let s): await builder.removeSecret(key: Informer<CoreV1.Secret>.key(s))
            }
        }
        let status = writesStatus
            ? IngressStatusController(client: client, ingresses: ingresses, classes: classes, nodeAddresses: nodeIPs, logger: logger)
            : nil
        await status?.start()

        await withDiscardingTaskGroup { group in
            group.addTask { await classes.run() }
            group.addTask { await ingresses.run() }
            group.addTask { await services.run() }
            group.addTask { await slices.run() }
            if let secrets { group.addTask { await secrets.run() } }
            group.addTask { await self.ensureIngressClass() }
            if let status {
                group.addTask {
                    await classes.waitForSync()
                    await ingresses.waitForSync()
                    await status.runWorkers(2, logger: self.logger)
                }
            }
        }
    }

    /// Creates the `tugboat` IngressClass (our controller, the default class) when none of that
    /// name exists; one that exists is the user's to change and is left as it is.
    func ensureIngressClass() async {
        var failures = 0
        while !Task.isCancelled {
            do {
                _ = try await client.get(NetworkingV1.IngressClass.self, name: IngressClassPolicy.className)
                return
            } catch let e as APIError where e.code == 404 {
                do {
                    _ = try await client.create(IngressClassPolicy.defaultIngressClass())
                    logger.info("created IngressClass \(IngressClassPolicy.className) (controller \(IngressClassPolicy.controllerName), default class)")
                    return
                } catch let e as APIError where e.code == 409 {
                    return
                } catch {
                    logger.debug("creating IngressClass \(IngressClassPolicy.className) failed: \(error); retrying")
                }
            } catch {
                logger.debug("reading IngressClass \(IngressClassPolicy.className) failed: \(error); retrying")
            }
            failures += 1
            try? await Task.sleep(for: .milliseconds(min(5000, 100 << min(failures, 6))))
        }
    }
}

/// The ports the Ingress listeners are bound to (useful when they were asked for port 0).
public actor IngressListeners {
    public private(set) var httpPort: Int?
    public private(set) var httpsPort: Int?

    func set(http port: Int?) { httpPort = port }
    func set(https port: Int?) { httpsPort = port }

    /// Waits until the HTTP listener is bound (and the HTTPS one, when `https`), or `timeout`
    /// passes; returns the ports bound by then.
    public func wait(https: Bool = false, timeout: Duration = .seconds(10)) async -> (http: Int?, https: Int?) {
        let deadline = ContinuousClock.now + timeout
        while (httpPort == nil || (https && httpsPort == nil)) && ContinuousClock.now < deadline && !Task.isCancelled {
            try? await Task.sleep(for: .milliseconds(20))
        }
        return (httpPort, httpsPort)
    }
}
