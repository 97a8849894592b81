import Foundation
import Logging
import TugAPI
import TugClient

/// Runs one pod of each DaemonSet on every eligible node, as Kubernetes' daemonset controller:
/// pods pinned to their node by node affinity (the scheduler binds them), surplus pods (node no
/// longer eligible, duplicates, node gone) deleted, failed pods replaced with backoff, one
/// ControllerRevision per template, RollingUpdate within maxUnavailable/maxSurge or OnDelete,
/// and the status `kubectl get ds` and `kubectl rollout status ds` read.
public struct DaemonSetController: Controller {
    public let name = "daemonset"
    public let queue = WorkQueue()
    let client: APIClient
    let sets: Informer<AppsV1.DaemonSet>
    let pods: Informer<CoreV1.Pod>
    let nodes: Informer<CoreV1.Node>
    let revisions: Informer<AppsV1.ControllerRevision>
    let expectations = Expectations()
    let backoff = FailedPodBackoff()
    let logger: Logger

    public init(client: APIClient, sets: Informer<AppsV1.DaemonSet>, pods: Informer<CoreV1.Pod>, nodes: Informer<CoreV1.Node>,
                revisions: Informer<AppsV1.ControllerRevision>, logger: Logger) {
        self.client = client
        self.sets = sets
        self.pods = pods
        self.nodes = nodes
        self.revisions = revisions
        self.logger = logger
    }

    typealias DaemonSet = AppsV1.DaemonSet

    public func start() async {
        let queue = self.queue, sets = self.sets, expectations = self.expectations
        await ChildClaims.indexChildren(pods)
        await ChildClaims.indexChildren(revisions)
        await sets.addIndex(IndexNames.namespace) { [$0.metadata.namespace ?? ""] }
        await sets.addHandler { event in
            switch event {
            case .added(let d), .updated(_, let d): await queue.add(Informer<DaemonSet>.key(d))
            case .deleted(let d):
                await expectations.forget(Informer<DaemonSet>.key(d))
                await queue.add(Informer<DaemonSet>.key(d))
            }
        }
        await pods.addHandler(ChildClaims.podEvents(owners: sets, selector: { try? Labels.Selector($0.spec?.selector) }, queue: queue, expectations: expectations))
        await revisions.addHandler { event in
            switch event {
            case .added(let r), .updated(_, let r), .deleted(let r):
                for key in await ChildClaims.ownerKeys(of: r.metadata, in: sets, selector: { try? Labels.Selector($0.spec?.selector) }) { await queue.add(key) }
            }
        }
        // Which nodes are eligible changes with a node's labels, taints and existence.
        await nodes.addHandler { event in
            switch event {
            case .added, .deleted: break
            case .updated(let old, let new):
                guard old.metadata.labels != new.metadata.labels || old.spec?.taints != new.spec?.taints
                    || old.spec?.unschedulable != new.spec?.unschedulable else { return }
            }
            for d in await sets.list() { await queue.add(Informer<DaemonSet>.key(d)) }
        }
    }

    public func sync(_ key: String) async throws {
        guard let ds = await sets.get(key) else {
            await expectations.forget(key)
            await backoff.forget(prefix: key + "/")
            return
        }
        guard ds.metadata.deletionTimestamp == nil else { return }
        let selector = try Labels.Selector(ds.spec?.selector)
        let owned = try await ChildClaims.claim(ds, selector: selector, children: pods, client: client, logger: logger)
        let resolved = try await ControllerHistory.resolve(
            owner: ds, template: ds.spec?.template, collisionCount: ds.status?.collisionCount, selector: selector, revisions: revisions,
            extraLabels: { [DaemonPlacement.revisionLabel: $0] }, client: client, logger: logger,
            bumpCollisionCount: { owner in
                var status = owner.status ?? AppsV1.DaemonSetStatus()
                status.collisionCount = (status.collisionCount ?? 0) + 1
                owner.status = status
            })
        let hash = resolved.update.metadata.labels?[DaemonPlacement.revisionLabel] ?? ""
        let view = DaemonSetView(ds: ds, nodes: await nodes.list(), pods: owned, hash: hash)
        if await expectations.satisfied(key) {
            var plan = try await manage(ds, key: key, view: view)
            if (ds.spec?.updateStrategy?.type ?? "RollingUpdate") == "RollingUpdate" {
                view.rollingUpdate(into: &plan)
            }
            try await execute(ds, key: key, plan: plan, hash: hash)
        }
        let liveHashes = Set(owned.compactMap { $0.metadata.labels?[DaemonPlacement.revisionLabel] } + [hash])
        let live = Set(resolved.all.filter { liveHashes.contains($0.metadata.labels?[DaemonPlacement.revisionLabel] ?? "") }.compactMap(\.metadata.name))
        await ControllerHistory.truncate(resolved.all, live: live, limit: ds.spec?.revisionHistoryLimit ?? 10, client: client)
        try await updateStatus(ds, view: view)
        let minReady = ds.spec?.minReadySeconds ?? 0
        if minReady > 0, owned.contains(where: { PodState.isReady($0) && !PodState.isAvailable($0, minReadySeconds: minReady) }) {
            await queue.add(key, after: .seconds(minReady))
        }
    }

    /// Kubernetes' `manage`: nodes that need a pod, and pods that must go (surplus, misplaced,
    /// failed once the backoff allows).
    func manage(_ ds: DaemonSet, key: String, view: DaemonSetView) async throws -> DaemonSetView.Plan {
        var plan = view.placementPlan()
        for (node, failed) in view.failedByNode {
            if let wait = await backoff.attempt("\(key)/\(node)") {
                await queue.add(key, after: wait)
                continue
            }
            for p in failed {
                await event(ds, "Warning", "FailedDaemonPod",
                            "Found failed daemon pod \(p.metadata.namespace ?? "")/\(p.metadata.name ?? "") on node \(node), will try to kill it")
                plan.delete.append(p)
            }
        }
        return plan
    }

    func execute(_ ds: DaemonSet, key: String, plan: DaemonSetView.Plan, hash: String) async throws {
        let deletions = Dictionary(plan.delete.map { ($0.metadata.uid ?? "", $0) }, uniquingKeysWith: { a, _ in a }).values
        guard !plan.create.isEmpty || !deletions.isEmpty else { return }
        await expectations.expect(key, adds: plan.create.count, deletes: deletions.count)
        var failures = 0
        for node in plan.create {
            let pod = DaemonPlacement.newPod(ds, node: node, hash: hash)
            do {
                let created = try await client.create(pod)
                await event(ds, "Normal", "SuccessfulCreate", "Created pod: \(created.metadata.name ?? "")")
            } catch {
                await expectations.lowered(key, adds: 1)
                if let e = error as? APIError, e.details?.causes.contains(where: { $0.reason == "NamespaceTerminating" }) == true { continue }
                failures += 1
                await event(ds, "Warning", "FailedCreate", "Error creating: \(error)")
            }
        }
        for p in deletions {
            do {
                try await client.delete(CoreV1.Pod.self, namespace: p.metadata.namespace, name: p.metadata.name ?? "", preconditionUID: p.metadata.uid)
                await event(ds, "Normal", "SuccessfulDelete", "Deleted pod: \(p.metadata.name ?? "")")
            } catch {
                await expectations.lowered(key, deletes: 1)
                if let e = error as? APIError, e.code == 404 || e.code == 409 { continue }
                failures += 1
                await event(ds, "Warning", "FailedDelete", "Error deleting: \(error)")
            }
        }
        if failures > 0 { throw ControllerError.createFailed("\(failures) pod changes for DaemonSet \(key) failed") }
    }

    func updateStatus(_ ds: DaemonSet, view: DaemonSetView) async throws {
        var s = ds.status ?? AppsV1.DaemonSetStatus()
        let counts = view.counts()
        s.desiredNumberScheduled = counts.desired
        s.currentNumberScheduled = counts.current
        s.numberMisscheduled = counts.misscheduled
        s.numberReady = counts.ready
        s.numberAvailable = counts.available
        s.numberUnavailable = counts.desired - counts.available
        s.updatedNumberScheduled = counts.updated
        s.observedGeneration = ds.metadata.generation
        guard s != ds.status else { return }
        var updated = ds
        updated.status = s
        try await StatusWrites.write(updated, client: client)
    }

    func event(_ ds: DaemonSet, _ type: String, _ reason: String, _ message: String) async {
        await Events.record(client: client, regarding: ds, type: type, reason: reason, message: message, component: "daemonset-controller")
    }
}
