import Foundation
import Logging
import TugAPI
import TugClient

/// Keeps `spec.replicas` pods of each ReplicaSet (or ReplicationController) running: creates
/// missing ones from the template (in batches of 1, 2, 4, … as Kubernetes' slow start),
/// deletes surplus ones in Kubernetes' order (unscheduled, pending, not ready, newest first),
/// adopts orphans that match the selector, releases pods that stopped matching, and reports
/// the replica counts `kubectl get rs/rc` and the Deployment controller read.
public struct ReplicatedSetController<Set: ReplicatedSet>: Controller {
    public var name: String { Set.controllerName }
    public let queue = WorkQueue()
    let client: APIClient
    let sets: Informer<Set>
    let pods: Informer<CoreV1.Pod>
    let expectations = Expectations()
    let logger: Logger
    /// At most this many pods created or deleted per sync (Kubernetes' burstReplicas).
    let burst = 500

    public init(client: APIClient, sets: Informer<Set>, pods: Informer<CoreV1.Pod>, logger: Logger) {
        self.client = client
        self.sets = sets
        self.pods = pods
        self.logger = logger
    }

    public func start() async {
        let queue = self.queue, expectations = self.expectations, sets = self.sets
        await ChildClaims.indexChildren(pods)
        await sets.addIndex(IndexNames.namespace) { [$0.metadata.namespace ?? ""] }
        await sets.addHandler { event in
            switch event {
            case .added(let rs), .updated(_, let rs): await queue.add(Informer<Set>.key(rs))
            case .deleted(let rs):
                let key = Informer<Set>.key(rs)
                await expectations.forget(key)
                await queue.add(key)
            }
        }
        await pods.addHandler(ChildClaims.podEvents(owners: sets, selector: { try? $0.podSelector() }, queue: queue, expectations: expectations))
    }

    public func sync(_ key: String) async throws {
        guard let rs = await sets.get(key) else {
            await expectations.forget(key)
            return
        }
        let selector = try rs.podSelector()
        let owned = try await claimPods(rs, selector: selector)
        let active = owned.filter(PodState.isActive)
        if rs.metadata.deletionTimestamp == nil, await expectations.satisfied(key) {
            try await manage(rs, key: key, active: active)
        }
        try await updateStatus(rs, pods: owned)
        let minReady = rs.minReadySeconds
        if minReady > 0, active.contains(where: { PodState.isReady($0) && !PodState.isAvailable($0, minReadySeconds: minReady) }) {
            await queue.add(key, after: .seconds(minReady))
        }
    }

    /// The set's pods: those it controls that still match, plus matching active orphans it
    /// adopts; controlled pods that no longer match are released.
    func claimPods(_ rs: Set, selector: Labels.Selector) async throws -> [CoreV1.Pod] {
        try await ChildClaims.claim(rs, selector: selector, children: pods, client: client, logger: logger, adoptable: PodState.isActive)
    }

    func manage(_ rs: Set, key: String, active: [CoreV1.Pod]) async throws {
        let want = rs.desiredReplicas
        let diff = active.count - want
        if diff < 0 {
            let count = min(-diff, burst)
            await expectations.expect(key, adds: count)
            var created = 0
            var batch = 1
            // Slow start: a failing template fails once, not `count` times.
            while created < count {
                let n = min(batch, count - created)
                let results = await withTaskGroup(of: Bool.self) { group in
                    for _ in 0..<n { group.addTask { await createPod(rs) } }
                    return await group.reduce(into: [Bool]()) { $0.append($1) }
                }
                let failed = results.filter { !$0 }.count
                created += n
                if failed > 0 {
                    await expectations.lowered(key, adds: failed + (count - created))
                    throw ControllerError.createFailed("\(failed) of \(n) pod creations for \(Set.kind) \(key) failed")
                }
                batch *= 2
            }
        } else if diff > 0 {
            let victims = Array(active.sorted(by: PodState.deletionOrder).prefix(min(diff, burst)))
            await expectations.expect(key, deletes: victims.count)
            await withTaskGroup(of: Void.self) { group in
                for p in victims {
                    group.addTask {
                        do {
                            try await client.delete(CoreV1.Pod.self, namespace: p.metadata.namespace, name: p.metadata.name ?? "",
                                                    preconditionUID: p.metadata.uid)
                            await event(rs, "Normal", "SuccessfulDelete", "Deleted pod: \(p.metadata.name ?? "")")
                        } catch {
                            await expectations.lowered(key, deletes: 1)
                            if let e = error as? APIError, e.code == 404 { return }
                            logger.debug("deleting \(p.metadata.name ?? ""): \(error)")
                        }
                    }
                }
            }
        }
    }

    func createPod(_ rs: Set) async -> Bool {
        do {
            let pod = try await client.create(PodTemplates.pod(from: rs.podTemplate, namespace: rs.metadata.namespace,
                                                               generateName: "\(rs.metadata.name ?? "")-", owner: OwnerRefs.controllerRef(to: rs)))
            await event(rs, "Normal", "SuccessfulCreate", "Created pod: \(pod.metadata.name ?? "")")
            return true
        } catch let e as APIError where e.details?.causes.contains(where: { $0.reason == "NamespaceTerminating" }) == true {
            // The namespace is going away with everything in it; nothing to retry.
            return true
        } catch {
            logger.info("\(Set.kind) \(rs.metadata.namespace ?? "")/\(rs.metadata.name ?? ""): creating a pod failed: \(error)")
            await event(rs, "Warning", "FailedCreate", "Error creating: \((error as? APIError)?.message ?? "\(error)")")
            return false
        }
    }

    /// Events as kube-controller-manager's replicaset / replication controllers record them.
    func event(_ rs: Set, _ type: String, _ reason: String, _ message: String) async {
        let component = Set.controllerName == "replicaset" ? "replicaset-controller" : "replication-controller"
        await Events.record(client: client, regarding: rs, type: type, reason: reason, message: message, component: component)
    }

    func updateStatus(_ rs: Set, pods: [CoreV1.Pod]) async throws {
        let active = pods.filter(PodState.isActive)
        let templateLabels = rs.podTemplate?.metadata.labels ?? [:]
        let minReady = rs.minReadySeconds
        var status = ReplicaCounts()
        status.replicas = active.count
        status.fullyLabeledReplicas = active.filter { p in templateLabels.allSatisfy { p.metadata.labels?[$0.key] == $0.value } }.count
        status.readyReplicas = active.filter(PodState.isReady).count
        status.availableReplicas = active.filter { PodState.isAvailable($0, minReadySeconds: minReady) }.count
        status.observedGeneration = rs.metadata.generation
        var updated = rs
        updated.replicaCounts = status
        guard updated != rs else { return }
        try await StatusWrites.write(updated, client: client)
    }
}

/// Index names the controllers share.
public enum IndexNames {
    public static let controller = "controller"
    public static let namespace = "namespace"
}

public enum ControllerError: Error, CustomStringConvertible {
    case createFailed(String)
    public var description: String {
        switch self { case .createFailed(let m): return m }
    }
}

/// Pods made from a controller's template.
public enum PodTemplates {
    public static func pod(from template: CoreV1.PodTemplateSpec?, namespace: String?, generateName: String,
                           owner: MetaV1.OwnerReference) -> CoreV1.Pod {
        var p = CoreV1.Pod(metadata: MetaV1.ObjectMeta())
        p.metadata.generateName = generateName
        p.metadata.namespace = namespace
        p.metadata.labels = template?.metadata.labels
        p.metadata.annotations = template?.metadata.annotations
        p.metadata.finalizers = template?.metadata.finalizers
        p.metadata.ownerReferences = [owner]
        p.spec = template?.spec
        return p
    }
}
