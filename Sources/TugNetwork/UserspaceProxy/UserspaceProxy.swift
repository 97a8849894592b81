import Logging
import NIOCore
import NIOPosix
import ServiceLifecycle
import TugAPI
import TugClient

/// The service proxy for nodes without nftables (or running the process runtime): forwards
/// Services in userspace with SwiftNIO. It listens on every NodePort at each node IP, on
/// externalIPs and load-balancer IPs that are addresses of this machine, and, with
/// `clusterIPs` (root only), on each ClusterIP, which it puts on `lo` as a /32. Each TCP
/// connection or UDP client session goes to an endpoint chosen by the nftables proxy's rules
/// (ready endpoints, else serving-terminating ones; `Local` traffic policies; ClientIP session
/// affinity). Endpoint changes apply to new connections; open ones run until they close.
///
/// Watches Services and EndpointSlices as `ServiceProxy` does (same label selector) and
/// reconciles its listeners after every change. Unlike the nftables proxy, the client's address
/// is not kept: endpoints see connections from the node.
public final class UserspaceProxy: Service, Sendable {
    public let options: ProxyOptions
    /// Whether ClusterIPs are served (and held on `lo`).
    public let servesClusterIPs: Bool
    public let tuning: UserspaceProxyTuning
    let client: APIClient
    let logger: Logger
    let tracker = ProxyChangeTracker()
    let listeners: UserspaceListenerSet

    /// The userspace proxy for this node. Throws `ProxyConfigError` for a bad name, address or CIDR.
    /// - Parameter clusterIPs: also serve ClusterIPs, adding them to `lo` (needs root).
    public convenience init(client: APIClient, nodeName: String, nodeIPs: [String],
                            clusterCIDR: String = ProxyOptions.defaultClusterCIDR,
                            clusterDNSIP: String? = ProxyOptions.defaultClusterDNSIP,
                            clusterIPs: Bool = false, logger: Logger) throws {
        let options = try ProxyOptions(nodeName: nodeName, nodeIPs: nodeIPs, clusterCIDR: clusterCIDR, clusterDNSIP: clusterDNSIP)
        self.init(client: client, options: options, clusterIPs: clusterIPs, logger: logger)
    }

    /// - Parameters:
    ///   - options: the node and cluster, as for `ServiceProxy` (its table name is not used).
    ///   - clusterIPs: also serve ClusterIPs, adding them to `lo` through `localAddresses`
    ///     (`LocalAddresses()` when nil; needs root).
    ///   - group: where the sockets run.
    public init(client: APIClient, options: ProxyOptions, clusterIPs: Bool = false, localAddresses: LocalAddresses? = nil,
                tuning: UserspaceProxyTuning = UserspaceProxyTuning(),
                group: any EventLoopGroup = MultiThreadedEventLoopGroup.singleton, logger: Logger) {
        self.client = client
        self.options = options
        self.servesClusterIPs = clusterIPs
        self.tuning = tuning
        self.logger = logger
        listeners = UserspaceListenerSet(options: options, tuning: tuning,
                                         localAddresses: clusterIPs ? (localAddresses ?? LocalAddresses()) : nil,
                                         group: group, logger: logger)
    }

    /// Each open listener, with the service port and endpoints it forwards to.
    public func listenerStatus() async -> [UserspaceListenerStatus] {
        await listeners.status()
    }

    /// The open listeners, as `tcp 127.0.0.1:30080`.
    public func listening() async -> Set<String> {
        Set(await listeners.status().map(\.key.description))
    }

    /// Why some wanted listeners are not open (port in use, ClusterIP not added, two Services
    /// wanting one address, SCTP), one message each; empty when all is well.
    public func problems() async -> [String] {
        await listeners.problems()
    }

    /// Serves until shutdown (or cancellation); then closes every listener and takes the
    /// ClusterIPs it added off `lo`. Open TCP connections are left to finish.
    public func run() async throws {
        let tracker = self.tracker
        let watch = await ProxiedServiceWatch.make(client: client, tracker: tracker, logger: logger)
        await withDiscardingTaskGroup { group in
            group.addTask { await watch.run() }
            group.addTask {
                await watch.waitForSync()
                guard !Task.isCancelled else { return }
                await tracker.requestFullSync()
                await self.syncLoop(watch)
            }
            group.addTask {
                // Listeners that could not open (port in use, ClusterIP not added) are tried again.
                while !Task.isCancelled {
                    try? await Task.sleep(for: self.tuning.retryInterval)
                    if !Task.isCancelled, await self.listeners.needsRetry { await tracker.requestFullSync() }
                }
            }
            try? await gracefulShutdown()
            tracker.finish()
            group.cancelAll()
        }
        // Not in this (possibly cancelled) task: taking the ClusterIPs off `lo` runs `ip`, which a
        // cancelled task would refuse to wait for.
        let listeners = self.listeners
        await Task { await listeners.closeAll() }.value
    }

    /// Reconciles after each batch of changes; returns when the change stream ends (shutdown).
    /// Every sync plans from all Services: listeners are cheap to compare, and a full plan also
    /// retries whatever failed before.
    private func syncLoop(_ watch: ProxiedServiceWatch) async {
        for await _ in tracker.signals {
            if Task.isCancelled { break }
            try? await Task.sleep(for: tuning.coalescingWindow)
            _ = await tracker.take()
            var related: [String: [DiscoveryV1.EndpointSlice]] = [:]
            let all = await watch.services.list()
            for service in all {
                let key = Informer<CoreV1.Service>.key(service)
                related[key] = await watch.slices(of: key)
            }
            let plan = UserspaceListenerPlan.build(services: all, slices: { related[$0] ?? [] }, options: options,
                                                   serveClusterIPs: servesClusterIPs, isLocal: UserspaceHostAddresses.current().contains)
            await listeners.apply(plan)
        }
    }
}
