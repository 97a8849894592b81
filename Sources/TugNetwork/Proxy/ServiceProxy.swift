import Foundation
import Logging
import ServiceLifecycle
import TugAPI
import TugClient

/// What one sync did: for benchmarks and tests that wait for a rule to be in place.
public struct ProxySyncReport: Sendable {
    /// A full rewrite of the table (start, periodic resync, recovery) rather than an incremental one.
    public var full: Bool
    /// Services whose changes this transaction carried, with when each change reached the proxy.
    public var changes: [String: ContinuousClock.Instant]
    /// When nft had committed the transaction.
    public var committedAt: ContinuousClock.Instant
}

/// The node's service proxy: watches Services and EndpointSlices and keeps one nftables table
/// routing ClusterIPs, NodePorts, externalIPs and load-balancer IPs to endpoints, as
/// kube-proxy's nftables mode. A change rewrites only its service's chains and map elements;
/// the whole table is rewritten at start, every `resyncPeriod`, and after nft refused something.
/// Owns the table `tableName` and nothing else.
public final class ServiceProxy: Service, Sendable {
    public let options: ProxyOptions
    let client: APIClient
    let runner: any NFTRunner
    let resyncPeriod: Duration
    let coalescingWindow: Duration
    let logger: Logger
    let tracker = ProxyChangeTracker()
    let syncer: ProxyRuleSyncer
    /// Every sync's report (the newest 1024 are kept when nobody reads).
    public let syncReports: AsyncStream<ProxySyncReport>
    private let reportSink: AsyncStream<ProxySyncReport>.Continuation

    static let serviceIndex = "service"
    /// Services and slices with this label belong to another proxy (as for kube-proxy).
    static let labelSelector = "!service.kubernetes.io/service-proxy-name"

    /// The proxy for this node with Debian's `nft`. Throws `ProxyConfigError` for a bad
    /// name, address, CIDR or table name, or when nft is not installed.
    public convenience init(client: APIClient, nodeName: String, nodeIPs: [String],
                            clusterCIDR: String = ProxyOptions.defaultClusterCIDR,
                            clusterDNSIP: String? = ProxyOptions.defaultClusterDNSIP,
                            tableName: String = ProxyOptions.defaultTableName, logger: Logger) throws {
        let options = try ProxyOptions(nodeName: nodeName, nodeIPs: nodeIPs, clusterCIDR: clusterCIDR,
                                       clusterDNSIP: clusterDNSIP, tableName: tableName)
        self.init(client: client, options: options, runner: try NFTables(), logger: logger)
    }

    /// - Parameters:
    ///   - runner: applies the scripts (`NFTables(networkNamespace:)` to stay in a namespace).
    ///   - coalescingWindow: after the first change, how long to wait for more before syncing.
    public init(client: APIClient, options: ProxyOptions, runner: any NFTRunner, resyncPeriod: Duration = .seconds(3600),
                coalescingWindow: Duration = .milliseconds(2), logger: Logger) {
        self.client = client
        self.options = options
        self.runner = runner
        self.resyncPeriod = resyncPeriod
        self.coalescingWindow = coalescingWindow
        self.logger = logger
        self.syncer = ProxyRuleSyncer(options: options, runner: runner, logger: logger)
        (syncReports, reportSink) = AsyncStream.makeStream(of: ProxySyncReport.self, bufferingPolicy: .bufferingNewest(1024))
    }

    /// Deletes the proxy's table (uninstall, tests). Run it when `run()` has returned.
    public func cleanup() async throws {
        try await syncer.deleteTable()
    }

    public func run() async throws {
        let tracker = self.tracker
        let watch = await ProxiedServiceWatch.make(client: client, tracker: tracker, logger: logger)
        if options.servesLocalhostNodePorts {
            do { try await runner.enableRouteLocalnet() } catch {
                logger.error("NodePorts will not answer on 127.0.0.1: \(error)")
            }
        }
        await withDiscardingTaskGroup { group in
            group.addTask { await watch.run() }
            group.addTask {
                await watch.waitForSync()
                guard !Task.isCancelled else { return }
                await tracker.requestFullSync()
                await self.syncLoop(watch)
            }
            group.addTask { await tracker.requestFullSyncs(every: self.resyncPeriod) }
            // Until shutdown (or cancellation outside a ServiceGroup); then everything stops.
            try? await gracefulShutdown()
            tracker.finish()
            group.cancelAll()
        }
        reportSink.finish()
    }

    /// Waits for changes, coalesces them for `coalescingWindow`, and applies them; returns when
    /// the change stream ends (shutdown).
    private func syncLoop(_ watch: ProxiedServiceWatch) async {
        var failures = 0
        var recreate = false
        for await _ in tracker.signals {
            if Task.isCancelled { break }
            try? await Task.sleep(for: coalescingWindow)
            let (keys, full) = await tracker.take()
            do {
                if full || failures > 0 {
                    let all = await desiredRules(for: Set(await watch.services.list().map { Informer<CoreV1.Service>.key($0) }), watch)
                    try await syncer.syncAll(all, recreate: recreate)
                    logger.debug("service proxy: full sync of \(all.count) services")
                } else if !keys.isEmpty {
                    let desired = await desiredRules(for: Set(keys.keys), watch)
                    let retry = try await syncer.syncServices(desired)
                    for key in retry { await tracker.mark(key) }
                } else {
                    continue
                }
                reportSink.yield(ProxySyncReport(full: full || failures > 0, changes: keys, committedAt: .now))
                failures = 0
                recreate = false
            } catch {
                failures += 1
                // A second failure in a row: the table is in a state we do not know; start it afresh.
                recreate = failures >= 2
                logger.error("service proxy: sync failed (\(error)); retrying with a full sync")
                await tracker.restore(keys)
                try? await Task.sleep(for: .milliseconds(min(30_000, 250 << min(failures, 7))))
                await tracker.requestFullSync()
            }
        }
    }

    private func desiredRules(for keys: Set<String>, _ watch: ProxiedServiceWatch) async -> [String: ServiceRules] {
        var result: [String: ServiceRules] = [:]
        for key in keys {
            guard let service = await watch.services.get(key) else {
                result[key] = ServiceRules()
                continue
            }
            let related = await watch.slices(of: key)
            result[key] = ServiceRuleBuilder.rules(service: service, slices: related, options: options)
        }
        return result
    }

    /// `namespace/service` of the Service a slice belongs to (its `kubernetes.io/service-name` label).
    static func serviceKey(of slice: DiscoveryV1.EndpointSlice) -> String? {
        guard let name = slice.metadata.labels?["kubernetes.io/service-name"], !name.isEmpty else { return nil }
        return "\(slice.metadata.namespace ?? "default")/\(name)"
    }
}
