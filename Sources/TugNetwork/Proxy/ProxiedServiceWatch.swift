import Logging
import TugAPI
import TugClient

/// The Services and EndpointSlices a service proxy follows (nftables or userspace): both
/// informers with the proxy label selector, slices indexed by their Service, and every change
/// marked in the proxy's tracker under the Service's `namespace/name`.
struct ProxiedServiceWatch: Sendable {
    let services: Informer<CoreV1.Service>
    let slices: Informer<DiscoveryV1.EndpointSlice>

    static func make(client: APIClient, tracker: ProxyChangeTracker, logger: Logger) async -> ProxiedServiceWatch {
        let services = Informer<CoreV1.Service>(client: client, labelSelector: ServiceProxy.labelSelector, logger: logger)
        let slices = Informer<DiscoveryV1.EndpointSlice>(client: client, labelSelector: ServiceProxy.labelSelector, logger: logger)
        await slices.addIndex(ServiceProxy.serviceIndex) { ServiceProxy.serviceKey(of: $0).map { [$0] } ?? [] }
        await services.addHandler { event in
            switch event {
            case .added(let s), .deleted(let s): await tracker.mark(Informer<CoreV1.Service>.key(s))
            case .updated(let old, let new):
                if old != new { await tracker.mark(Informer<CoreV1.Service>.key(new)) }
            }
        }
        await slices.addHandler { event in
            switch event {
            case .added(let s), .deleted(let s):
                if let key = ServiceProxy.serviceKey(of: s) { await tracker.mark(key) }
            case .updated(let old, let new):
                guard old != new else { return }
                if let key = ServiceProxy.serviceKey(of: old) { await tracker.mark(key) }
                if let key = ServiceProxy.serviceKey(of: new) { await tracker.mark(key) }
            }
        }
        return ProxiedServiceWatch(services: services, slices: slices)
    }

    /// Runs both informers until cancelled.
    func run() async {
        await withDiscardingTaskGroup { group in
            group.addTask { await services.run() }
            group.addTask { await slices.run() }
        }
    }

    func waitForSync() async {
        await services.waitForSync()
        await slices.waitForSync()
    }

    /// The slices of the Service `namespace/name`.
    func slices(of serviceKey: String) async -> [DiscoveryV1.EndpointSlice] {
        await slices.byIndex(ServiceProxy.serviceIndex, serviceKey)
    }
}
