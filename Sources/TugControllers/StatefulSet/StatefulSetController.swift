import Foundation
import Logging
import TugAPI
import TugClient

/// Runs StatefulSets as Kubernetes' statefulset controller: pods `<set>-<ordinal>` with stable
/// hostnames and their own PersistentVolumeClaims, created in ordinal order and removed from
/// the highest ordinal (OrderedReady: one at a time, each waiting for the previous to be Running
/// and Ready; Parallel: all at once), one ControllerRevision per template, RollingUpdate from
/// the highest ordinal down to the partition (or OnDelete), and the status fields that
/// `kubectl rollout status` reads.
public struct StatefulSetController: Controller {
    public let name = "statefulset"
    public let queue = WorkQueue()
    let client: APIClient
    let sets: Informer<AppsV1.StatefulSet>
    let pods: Informer<CoreV1.Pod>
    let revisions: Informer<AppsV1.ControllerRevision>
    let logger: Logger

    public init(client: APIClient, sets: Informer<AppsV1.StatefulSet>, pods: Informer<CoreV1.Pod>,
                revisions: Informer<AppsV1.ControllerRevision>, logger: Logger) {
        self.client = client
        self.sets = sets
        self.pods = pods
        self.revisions = revisions
        self.logger = logger
    }

    public func start() async {
        let queue = self.queue, sets = self.sets
        await ChildClaims.indexChildren(pods)
        await ChildClaims.indexChildren(revisions)
        await sets.addIndex(IndexNames.namespace) { [$0.metadata.namespace ?? ""] }
        await sets.addHandler { event in
            switch event {
            case .added(let s), .updated(_, let s), .deleted(let s): await queue.add(Informer<AppsV1.StatefulSet>.key(s))
            }
        }
        @Sendable func keys(_ meta: MetaV1.ObjectMeta) async -> [String] {
            await ChildClaims.ownerKeys(of: meta, in: sets) { try? Labels.Selector($0.spec?.selector) }
        }
        await pods.addHandler { event in
            switch event {
            case .added(let p), .deleted(let p): for k in await keys(p.metadata) { await queue.add(k) }
            case .updated(let old, let new):
                for k in Set(await keys(old.metadata) + keys(new.metadata)) { await queue.add(k) }
            }
        }
        await revisions.addHandler { event in
            switch event {
            case .added(let r), .updated(_, let r), .deleted(let r): for k in await keys(r.metadata) { await queue.add(k) }
            }
        }
    }

    typealias StatefulSet = AppsV1.StatefulSet

    public func sync(_ key: String) async throws {
        // A set being deleted is left to the garbage collector.
        guard let set = await sets.get(key), set.metadata.deletionTimestamp == nil else { return }
        let selector = try Labels.Selector(set.spec?.selector)
        let owned = try await ChildClaims.claim(set, selector: selector, children: pods, client: client, logger: logger,
                                                adoptable: { StatefulSetIdentity.ordinal(of: $0, in: set) != nil })
        let resolved = try await ControllerHistory.resolve(
            owner: set, template: set.spec?.template, collisionCount: set.status?.collisionCount, selector: selector, revisions: revisions,
            extraLabels: { [Self.hashLabel: $0] }, client: client, logger: logger,
            bumpCollisionCount: { owner in
                var status = owner.status ?? AppsV1.StatefulSetStatus()
                status.collisionCount = (status.collisionCount ?? 0) + 1
                owner.status = status
            })
        let update = resolved.update
        let current = resolved.all.first { $0.metadata.name == set.status?.currentRevision } ?? update
        var plan = StatefulSetPlan(set: set, pods: owned.filter { StatefulSetIdentity.ordinal(of: $0, in: set) != nil },
                                   current: current, update: update)
        try await reconcile(&plan)
        let live = Set(plan.all.map(StatefulSetIdentity.revision) + [current.metadata.name ?? "", update.metadata.name ?? ""])
        await ControllerHistory.truncate(resolved.all, live: live, limit: set.spec?.revisionHistoryLimit ?? 10, client: client)
        try await updateStatus(plan)
        let minReady = set.spec?.minReadySeconds ?? 0
        if minReady > 0, plan.all.contains(where: { PodState.isReady($0) && !PodState.isAvailable($0, minReadySeconds: minReady) }) {
            await queue.add(key, after: .seconds(minReady))
        }
    }

    /// Kubernetes' `controller.kubernetes.io/hash` label on a StatefulSet's revisions.
    static let hashLabel = "controller.kubernetes.io/hash"

    /// One pass of Kubernetes' `updateStatefulSet`: replace failed pods, create missing ones in
    /// ordinal order, remove condemned ones from the top, then roll the update down. In
    /// OrderedReady mode each step that must wait for a pod returns; the pod's next event resumes.
    func reconcile(_ plan: inout StatefulSetPlan) async throws {
        let set = plan.set
        let monotonic = set.spec?.podManagementPolicy != "Parallel"
        for i in plan.slots.indices {
            if let p = plan.slots[i], !PodState.isActive(p), p.metadata.deletionTimestamp == nil {
                // A finished pod is deleted and made again under the same name.
                try await deletePod(p, set)
                plan.remove(p)
            }
        }
        for i in plan.slots.indices {
            let ordinal = plan.start + i
            guard let p = plan.slots[i] else {
                guard let created = try await createPod(set, ordinal: ordinal, plan: plan) else { return }
                plan.slots[i] = created
                if monotonic { return }
                continue
            }
            if p.metadata.deletionTimestamp != nil || !plan.healthy(p) {
                if monotonic { return }
                continue
            }
            if !StatefulSetIdentity.labelsMatch(p, set, ordinal) {
                var fixed = p
                StatefulSetIdentity.applyIdentity(&fixed, set, ordinal)
                plan.slots[i] = try await client.patch(CoreV1.Pod.self, namespace: p.metadata.namespace, name: p.metadata.name ?? "",
                                                       ["metadata": ["labels": try JSONValue(encoding: fixed.metadata.labels ?? [:])]])
            }
        }
        // Scale down from the highest ordinal; OrderedReady waits for each to go.
        let firstUnhealthy = plan.condemned.first { !plan.healthy($0) }
        for p in plan.condemned {
            if p.metadata.deletionTimestamp != nil {
                if monotonic { return }
                continue
            }
            if monotonic, !plan.healthy(p), p.metadata.uid != firstUnhealthy?.metadata.uid { return }
            try await deletePod(p, set)
            plan.remove(p)
            if set.spec?.persistentVolumeClaimRetentionPolicy?.whenScaled == "Delete", let ordinal = StatefulSetIdentity.ordinal(of: p, in: set) {
                for claim in StatefulSetIdentity.claims(set, ordinal) {
                    _ = try? await client.delete(CoreV1.PersistentVolumeClaim.self, namespace: claim.metadata.namespace, name: claim.metadata.name ?? "")
                }
            }
            if monotonic { return }
        }
        try await rollingUpdate(&plan)
    }

    /// RollingUpdate: from the highest ordinal down to the partition, outdated pods are deleted
    /// (and recreated at the update revision by a later pass) while at most maxUnavailable
    /// (default 1) pods are unavailable.
    func rollingUpdate(_ plan: inout StatefulSetPlan) async throws {
        let set = plan.set
        guard (set.spec?.updateStrategy?.type ?? "RollingUpdate") == "RollingUpdate" else { return }
        let ru = set.spec?.updateStrategy?.rollingUpdate
        let partition = max(0, ru?.partition ?? 0)
        let maxUnavailable = max(1, ru?.maxUnavailable?.scaledValue(total: plan.slots.count, roundUp: false) ?? 1)
        var budget = maxUnavailable - plan.slots.filter { $0.map { !plan.healthy($0) } ?? true }.count
        let updateName = plan.update.metadata.name ?? ""
        for i in stride(from: plan.slots.count - 1, through: partition, by: -1) {
            guard let p = plan.slots[i] else { continue }
            guard StatefulSetIdentity.revision(of: p) != updateName, p.metadata.deletionTimestamp == nil else { continue }
            // Pods that serve nothing go regardless; a healthy one only within the budget.
            if plan.healthy(p) {
                guard budget > 0 else { return }
                budget -= 1
            }
            try await deletePod(p, set)
            plan.remove(p)
        }
    }

    /// Creates the ordinal's claims (kept when they exist) and then its pod; nil when it must wait.
    func createPod(_ set: StatefulSet, ordinal: Int, plan: StatefulSetPlan) async throws -> CoreV1.Pod? {
        let podName = StatefulSetIdentity.podName(set, ordinal)
        let setName = set.metadata.name ?? ""
        for var claim in StatefulSetIdentity.claims(set, ordinal) {
            if set.spec?.persistentVolumeClaimRetentionPolicy?.whenDeleted == "Delete" {
                // The garbage collector removes the claim with the set (a plain reference, as Kubernetes sets it).
                claim.metadata.ownerReferences = [MetaV1.OwnerReference(apiVersion: StatefulSet.apiVersion, kind: StatefulSet.kind,
                                                                        name: set.metadata.name, uid: set.metadata.uid)]
            }
            do {
                _ = try await client.create(claim)
                await event(set, "Normal", "SuccessfulCreate", "create Claim \(claim.metadata.name ?? "") Pod \(podName) in StatefulSet \(setName) success")
            } catch let e as APIError where e.code == 409 {
                // The claim outlives its pods: a recreated pod mounts the same one.
            } catch {
                await event(set, "Warning", "FailedCreate",
                            "create Claim \(claim.metadata.name ?? "") for Pod \(podName) in StatefulSet \(setName) failed error: \(error)")
                throw error
            }
        }
        let (template, revision) = plan.templateFor(index: ordinal - plan.start)
        let pod = StatefulSetIdentity.newPod(set, template: template, ordinal: ordinal, revision: revision)
        do {
            let created = try await client.create(pod)
            await event(set, "Normal", "SuccessfulCreate", "create Pod \(podName) in StatefulSet \(setName) successful")
            return created
        } catch let e as APIError where e.code == 409 {
            // The old pod of this name is still going away (or the cache lags); its events bring us back.
            return nil
        } catch let e as APIError where e.details?.causes.contains(where: { $0.reason == "NamespaceTerminating" }) == true {
            return nil
        } catch {
            await event(set, "Warning", "FailedCreate", "create Pod \(podName) in StatefulSet \(setName) failed error: \(error)")
            throw error
        }
    }

    func deletePod(_ p: CoreV1.Pod, _ set: StatefulSet) async throws {
        let podName = p.metadata.name ?? ""
        do {
            try await client.delete(CoreV1.Pod.self, namespace: p.metadata.namespace, name: podName, preconditionUID: p.metadata.uid)
            await event(set, "Normal", "SuccessfulDelete", "delete Pod \(podName) in StatefulSet \(set.metadata.name ?? "") successful")
        } catch let e as APIError where e.code == 404 || e.code == 409 {
            // Gone already, or replaced by a namesake the uid precondition protects.
        } catch {
            await event(set, "Warning", "FailedDelete", "delete Pod \(podName) in StatefulSet \(set.metadata.name ?? "") failed error: \(error)")
            throw error
        }
    }

    func updateStatus(_ plan: StatefulSetPlan) async throws {
        let set = plan.set
        var s = set.status ?? AppsV1.StatefulSetStatus()
        s.observedGeneration = set.metadata.generation
        let counts = plan.counts()
        s.replicas = counts.replicas
        s.readyReplicas = counts.ready
        s.availableReplicas = counts.available
        s.currentReplicas = counts.current
        s.updatedReplicas = counts.updated
        s.currentRevision = plan.current.metadata.name
        s.updateRevision = plan.update.metadata.name
        // Every pod at the update revision and ready: the update is now the current revision.
        let want = set.spec?.replicas ?? 1
        if counts.updated == want, counts.ready == want, counts.replicas == want {
            s.currentRevision = s.updateRevision
            s.currentReplicas = counts.updated
        }
        guard s != set.status else { return }
        var updated = set
        updated.status = s
        try await StatusWrites.write(updated, client: client)
    }

    func event(_ set: StatefulSet, _ type: String, _ reason: String, _ message: String) async {
        await Events.record(client: client, regarding: set, type: type, reason: reason, message: message, component: "statefulset-controller")
    }
}
