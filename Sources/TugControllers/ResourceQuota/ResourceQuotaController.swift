import Foundation
import Logging
import TugAPI
import TugClient

/// Keeps every ResourceQuota's `status.hard` (a copy of `spec.hard`) and `status.used` (the
/// namespace's current usage of each of those resources) as Kubernetes' resource quota
/// controller: object counts, pod compute requests and limits (pods that have not ended),
/// service node ports and load balancers, claim storage; scopes and scope selectors narrow a
/// quota to matching pods. Usage is recounted when a quota, pod, service or replication
/// controller changes, and every `resyncPeriod` (for the kinds counted by listing).
public struct ResourceQuotaController: Controller {
    public let name = "resourcequota"
    public let queue = WorkQueue()
    let client: APIClient
    let quotas: Informer<CoreV1.ResourceQuota>
    let pods: Informer<CoreV1.Pod>
    let services: Informer<CoreV1.Service>
    let replicationControllers: Informer<CoreV1.ReplicationController>
    let resyncPeriod: Duration
    let logger: Logger

    public init(client: APIClient, quotas: Informer<CoreV1.ResourceQuota>, pods: Informer<CoreV1.Pod>, services: Informer<CoreV1.Service>,
                replicationControllers: Informer<CoreV1.ReplicationController>, resyncPeriod: Duration = .seconds(30), logger: Logger) {
        self.client = client
        self.quotas = quotas
        self.pods = pods
        self.services = services
        self.replicationControllers = replicationControllers
        self.resyncPeriod = resyncPeriod
        self.logger = logger
    }

    public func start() async {
        let queue = self.queue, quotas = self.quotas
        await quotas.addIndex(IndexNames.namespace) { [$0.metadata.namespace ?? ""] }
        await pods.addIndex(IndexNames.namespace) { [$0.metadata.namespace ?? ""] }
        await services.addIndex(IndexNames.namespace) { [$0.metadata.namespace ?? ""] }
        await replicationControllers.addIndex(IndexNames.namespace) { [$0.metadata.namespace ?? ""] }
        @Sendable func namespaceChanged(_ ns: String?) async {
            for q in await quotas.byIndex(IndexNames.namespace, ns ?? "") { await queue.add(Informer<CoreV1.ResourceQuota>.key(q)) }
        }
        await quotas.addHandler { event in
            switch event {
            case .added(let q), .deleted(let q): await namespaceChanged(q.metadata.namespace)   // `resourcequotas` counts them
            case .updated(let old, let new):
                if old.spec != new.spec || new.status?.hard != new.spec?.hard { await queue.add(Informer<CoreV1.ResourceQuota>.key(new)) }
            }
        }
        await pods.addHandler { event in
            switch event {
            case .added(let p), .deleted(let p): await namespaceChanged(p.metadata.namespace)
            case .updated(let old, let new):
                // What usage depends on: whether the pod still charges compute, and its spec.
                let now = Date()
                if QuotaUsage.chargesCompute(old, now: now) != QuotaUsage.chargesCompute(new, now: now) || old.spec != new.spec
                    || old.status?.qosClass != new.status?.qosClass {
                    await namespaceChanged(new.metadata.namespace)
                }
            }
        }
        await services.addHandler { event in
            switch event {
            case .added(let s), .deleted(let s): await namespaceChanged(s.metadata.namespace)
            case .updated(let old, let new): if old.spec != new.spec { await namespaceChanged(new.metadata.namespace) }
            }
        }
        await replicationControllers.addHandler { event in
            switch event {
            case .added(let r), .deleted(let r): await namespaceChanged(r.metadata.namespace)
            case .updated: break
            }
        }
    }

    /// Recounts every quota each resync period.
    public func monitor() async {
        while !Task.isCancelled {
            try? await Task.sleep(for: resyncPeriod)
            for q in await quotas.list() { await queue.add(Informer<CoreV1.ResourceQuota>.key(q)) }
        }
    }

    public func sync(_ key: String) async throws {
        guard let quota = await quotas.get(key) else { return }
        let hard = quota.spec?.hard ?? [:]
        let used = try await usage(of: quota, tracking: Set(hard.keys))
        let status = CoreV1.ResourceQuotaStatus(hard: hard.isEmpty ? nil : hard, used: used.isEmpty ? nil : used)
        guard status != quota.status else { return }
        var updated = quota
        updated.status = status
        do {
            _ = try await client.updateStatus(updated)
        } catch let e as APIError where e.code == 404 {}
    }

    /// Usage of exactly the tracked resources (zero where nothing uses them).
    func usage(of quota: CoreV1.ResourceQuota, tracking tracked: Set<String>) async throws -> [String: Quantity] {
        let ns = quota.metadata.namespace ?? ""
        var used: [String: Quantity] = [:]
        for name in tracked { used[name] = .zero }
        let scopes = quota.spec?.scopes ?? []
        let selector = quota.spec?.scopeSelector?.matchExpressions ?? []
        var total: QuotaUsage.Usage = [:]
        if tracked.contains(where: QuotaUsage.isPodResource) {
            let now = Date()
            for p in await pods.byIndex(IndexNames.namespace, ns) where QuotaUsage.matches(p, scopes: scopes, selector: selector) {
                QuotaUsage.add(QuotaUsage.pod(p, now: now), into: &total)
            }
        }
        // Scopes only ever select pods; a scoped quota counts nothing else.
        if scopes.isEmpty && selector.isEmpty {
            try await addObjectCounts(ns: ns, tracked: tracked, into: &total)
        }
        for name in tracked { if let q = total[name] { used[name] = q } }
        return used
    }

    func addObjectCounts(ns: String, tracked: Set<String>, into total: inout QuotaUsage.Usage) async throws {
        func wants(_ names: String...) -> Bool { names.contains { tracked.contains($0) } }
        if wants("services", "count/services", "services.nodeports", "services.loadbalancers") {
            for s in await services.byIndex(IndexNames.namespace, ns) { QuotaUsage.add(QuotaUsage.service(s), into: &total) }
        }
        let rcs = await replicationControllers.byIndex(IndexNames.namespace, ns).count
        total["replicationcontrollers"] = Quantity(value: Int64(rcs))
        total["count/replicationcontrollers"] = total["replicationcontrollers"]
        let quotaCount = await quotas.byIndex(IndexNames.namespace, ns).count
        total["resourcequotas"] = Quantity(value: Int64(quotaCount))
        total["count/resourcequotas"] = total["resourcequotas"]
        if tracked.contains(where: { $0 == "persistentvolumeclaims" || $0.hasSuffix("requests.storage") || $0.hasSuffix("/persistentvolumeclaims") }) {
            for c in try await client.listAll(CoreV1.PersistentVolumeClaim.self, namespace: ns).items {
                QuotaUsage.add(QuotaUsage.claim(c), into: &total)
            }
        }
        // Other object counts: `configmaps`, `secrets`, and `count/<resource>[.<group>]`.
        var listed: [ResourceInfo: Int] = [:]
        for name in tracked where total[name] == nil {
            guard let info = Self.countedResource(name) else { continue }
            if listed[info] == nil { listed[info] = try await client.names(info, namespace: ns, limit: 0).names.count }
            total[name] = Quantity(value: Int64(listed[info]!))
        }
    }

    /// The resource an object-count quota name counts: `configmaps`, `secrets`,
    /// `count/<resource>` (core) or `count/<resource>.<group>`.
    static func countedResource(_ name: String) -> ResourceInfo? {
        var resource = name, group = ""
        if name.hasPrefix("count/") {
            let rest = String(name.dropFirst("count/".count))
            if let dot = rest.firstIndex(of: ".") {
                resource = String(rest[..<dot])
                group = String(rest[rest.index(after: dot)...])
            } else {
                resource = rest
            }
        } else if name != "configmaps" && name != "secrets" {
            return nil
        }
        return ResourceCatalog.all.first { $0.resource == resource && $0.group == group && $0.namespaced }
    }
}
