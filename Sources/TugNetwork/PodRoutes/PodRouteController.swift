import Logging
import ServiceLifecycle
import TugAPI
import TugClient

/// The node's part of the pod network between nodes, as flannel's host-gw and VXLAN backends
/// do it: watches Nodes and keeps a route to each other node's pod CIDR (`PodRouteTable`), and
/// the masquerade for pod traffic leaving the pod network (`PodMasquerade`). Changes are synced
/// as they come, all routes again every `resyncPeriod` and after a failure. On shutdown the
/// node's routes, VXLAN device and masquerade table are removed.
public final class PodRouteController: Service, Sendable {
    public let table: PodRouteTable
    let client: APIClient
    let masquerade: PodMasquerade?
    let resyncPeriod: Duration
    let logger: Logger
    let tracker = ProxyChangeTracker()
    /// One report per sync that brought every route in place (for tests and benchmarks).
    public let synced: AsyncStream<[IPv4Network: PodRoute]>
    private let syncedSink: AsyncStream<[IPv4Network: PodRoute]>.Continuation

    public init(client: APIClient, table: PodRouteTable, masquerade: PodMasquerade?, resyncPeriod: Duration = .seconds(60),
                logger: Logger) {
        self.client = client
        self.table = table
        self.masquerade = masquerade
        self.resyncPeriod = resyncPeriod
        self.logger = logger
        (synced, syncedSink) = AsyncStream.makeStream(bufferingPolicy: .bufferingNewest(64))
    }

    public func run() async throws {
        let nodes = Informer<CoreV1.Node>(client: client, logger: logger)
        let tracker = self.tracker
        await nodes.addHandler { event in
            switch event {
            case .added, .deleted: await tracker.mark("nodes")
            case .updated(let old, let new):
                // Lease-driven status updates change neither address nor pod CIDR: no sync for them.
                if PodNetworkPeer(node: old) != PodNetworkPeer(node: new) { await tracker.mark("nodes") }
            }
        }
        await withDiscardingTaskGroup { group in
            group.addTask { await nodes.run() }
            group.addTask {
                await nodes.waitForSync()
                guard !Task.isCancelled else { return }
                await tracker.requestFullSync()
                await self.syncLoop(nodes: nodes)
            }
            group.addTask { await tracker.requestFullSyncs(every: self.resyncPeriod) }
            try? await gracefulShutdown()
            tracker.finish()
            group.cancelAll()
        }
        syncedSink.finish()
        await table.removeAll()
        if let masquerade {
            do { try await masquerade.remove() } catch { logger.warning("pod network: removing table \(masquerade.tableName): \(error)") }
        }
    }

    private func syncLoop(nodes: Informer<CoreV1.Node>) async {
        var failures = 0
        for await _ in tracker.signals {
            if Task.isCancelled { break }
            // Nodes registering together (a cluster starting) land in one sync.
            try? await Task.sleep(for: .milliseconds(20))
            let (_, fullRequested) = await tracker.take()
            let full = fullRequested || failures > 0
            var ok = true
            if full, let masquerade {
                do { try await masquerade.apply() } catch {
                    logger.error("pod network: cannot apply the masquerade table \(masquerade.tableName): \(error)")
                    ok = false
                }
            }
            ok = await table.sync(nodes: await nodes.list(), full: full) && ok
            if ok {
                failures = 0
                syncedSink.yield(await table.routes)
            } else {
                failures += 1
                let delay = Duration.milliseconds(min(30_000, 500 << min(failures, 6)))
                Task { [tracker] in
                    try? await Task.sleep(for: delay)
                    await tracker.requestFullSync()
                }
            }
        }
    }
}
