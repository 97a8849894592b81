import Logging
import NIOCore
import ServiceLifecycle
import Synchronization
import TugAPI
import TugClient

/// Cluster DNS as one lifecycle Service: watches Services and EndpointSlices through the API
/// server, keeps the zone current, and serves it (forwarding other names upstream) until shut
/// down. Waits up to `syncTimeout` for the first lists before answering, as CoreDNS does, so
/// that a restart does not answer NXDOMAIN for names that exist.
public final class ClusterDNSService: Service, Sendable {
    public let client: APIClient
    public let listen: [SocketAddress]
    public let builder: ClusterZoneBuilder
    /// nil: the host's `/etc/resolv.conf`.
    public let upstreams: [SocketAddress]?
    public let syncTimeout: Duration
    let logger: Logger
    private let bound = Mutex<[SocketAddress]>([])

    /// - Parameters:
    ///   - listen: UDP and TCP addresses (for example the DNS service IP `10.43.0.10:53` and a node address).
    ///   - clusterDomain: the zone (`cluster.local`); throws when it is not a valid domain name.
    ///   - upstreams: resolvers for other names; nil reads the host's `/etc/resolv.conf`.
    ///   - ttl: record TTL (CoreDNS' default: 5 seconds).
    public init(client: APIClient, listen: [SocketAddress], clusterDomain: String = "cluster.local", upstreams: [SocketAddress]? = nil,
                ttl: UInt32 = 5, syncTimeout: Duration = .seconds(5), logger: Logger = Logger(label: "tug.dns")) throws {
        self.client = client
        self.listen = listen
        self.builder = try ClusterZoneBuilder(clusterDomain: clusterDomain, ttl: ttl, nameserverAddresses: listen.compactMap(\.ipAddress))
        self.upstreams = upstreams
        self.syncTimeout = syncTimeout
        self.logger = logger
    }

    /// Where the server listens once started (ports resolved); empty before.
    public var boundAddresses: [SocketAddress] { bound.withLock { $0 } }

    public func run() async throws {
        let resolvers: [SocketAddress]
        if let upstreams {
            resolvers = upstreams
        } else {
            do {
                resolvers = try DNSUpstreams.fromResolvConf(excluding: listen)
            } catch {
                logger.warning("cluster DNS: \(error); names outside the cluster will get SERVFAIL")
                resolvers = []
            }
        }
        if resolvers.isEmpty { logger.warning("cluster DNS: no upstream resolvers; names outside the cluster will get SERVFAIL") }

        let updater = ClusterZoneUpdater(builder: builder)
        let services = Informer<CoreV1.Service>(client: client, logger: logger)
        let slices = Informer<DiscoveryV1.EndpointSlice>(client: client, logger: logger)
        await services.addHandler { await updater.handle($0) }
        await slices.addHandler { await updater.handle($0) }
        let responder = ClusterDNSResponder(zone: updater.live, forwarder: resolvers.isEmpty ? nil : DNSForwarder(upstreams: resolvers))
        let server = ClusterDNSServer(responder: responder, listen: listen, logger: logger)

        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { await services.run() }
            group.addTask { await slices.run() }
            let deadline = ContinuousClock.now + syncTimeout
            while ContinuousClock.now < deadline, !Task.isCancelled {
                if await services.hasSynced, await slices.hasSynced { break }
                try? await Task.sleep(for: .milliseconds(50))
            }
            let servicesSynced = await services.hasSynced, slicesSynced = await slices.hasSynced
            if !(servicesSynced && slicesSynced) {
                logger.warning("cluster DNS: serving before the first list of Services and EndpointSlices completed")
            }
            do {
                let addresses = try await server.start()
                bound.withLock { $0 = addresses }
            } catch {
                group.cancelAll()
                throw error
            }
            try? await gracefulShutdown()
            await server.stop()
            bound.withLock { $0 = [] }
            group.cancelAll()
        }
    }
}
