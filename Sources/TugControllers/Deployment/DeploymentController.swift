import Foundation
import Logging
import TugAPI
import TugClient

/// Rolls Deployments out through ReplicaSets, as Kubernetes' deployment controller: one
/// ReplicaSet per template (named by its `pod-template-hash`), revisions in
/// `deployment.kubernetes.io/revision`, RollingUpdate within maxSurge/maxUnavailable or
/// Recreate, old ReplicaSets kept up to revisionHistoryLimit, and the status fields and
/// conditions that `kubectl rollout status` reads. Paused Deployments only scale.
public struct DeploymentController: Controller {
    public let name = "deployment"
    public let queue = WorkQueue()
    let client: APIClient
    let deployments: Informer<AppsV1.Deployment>
    let sets: Informer<AppsV1.ReplicaSet>
    let pods: Informer<CoreV1.Pod>
    let logger: Logger

    public init(client: APIClient, deployments: Informer<AppsV1.Deployment>, sets: Informer<AppsV1.ReplicaSet>,
                pods: Informer<CoreV1.Pod>, logger: Logger) {
        self.client = client
        self.deployments = deployments
        self.sets = sets
        self.pods = pods
        self.logger = logger
    }

    public func start() async {
        let queue = self.queue, deployments = self.deployments
        await ChildClaims.indexChildren(sets)
        await deployments.addIndex(IndexNames.namespace) { [$0.metadata.namespace ?? ""] }
        await deployments.addHandler { event in
            switch event {
            case .added(let d), .updated(_, let d), .deleted(let d): await queue.add(Informer<AppsV1.Deployment>.key(d))
            }
        }
        // A set's controller, or for an orphan the Deployments that could adopt it.
        @Sendable func owners(_ rs: AppsV1.ReplicaSet) async -> [String] {
            await ChildClaims.ownerKeys(of: rs.metadata, in: deployments) { try? Labels.Selector($0.spec?.selector) }
        }
        await sets.addHandler { event in
            switch event {
            case .added(let rs), .deleted(let rs):
                for key in await owners(rs) { await queue.add(key) }
            case .updated(let old, let new):
                for key in Set(await owners(old) + owners(new)) { await queue.add(key) }
            }
        }
    }

    public func sync(_ key: String) async throws {
        guard let d = await deployments.get(key), d.metadata.deletionTimestamp == nil else { return }
        // Its ReplicaSets: adopts matching orphans, releases those that stopped matching (as
        // Kubernetes' ControllerRefManager).
        let selector = try Labels.Selector(d.spec?.selector)
        let owned = try await ChildClaims.claim(d, selector: selector, children: sets, client: client, logger: logger)
            .filter { $0.metadata.deletionTimestamp == nil }
        let template = d.spec?.template
        var newRS = owned.first { DeploymentRevisions.sameTemplate($0.spec?.template, template) }
        var old = owned.filter { $0.metadata.uid != newRS?.metadata.uid }
        let replicas = d.spec?.replicas ?? 1
        let paused = d.spec?.paused == true

        // A resize (or a paused Deployment): scale the sets in proportion, no rollout step.
        if paused || ProportionalScaling.isScalingEvent(d, sets: owned) {
            let targets = ProportionalScaling.targets(d, newRS: newRS, old: old, maxSurge: Self.maxSurge(d))
            for rs in owned {
                guard let target = targets[rs.metadata.uid ?? rs.metadata.name ?? ""] else { continue }
                // The annotations are brought up to date even when the size stays (they end the scaling event).
                if target != (rs.spec?.replicas ?? 0) || ProportionalScaling.desired(rs) != replicas { _ = try await scale(rs, to: target, d) }
            }
            if paused { try await cleanUp(d, old: old) }
            try await updateStatus(d, newRS: newRS, all: owned)
            return
        }

        if newRS == nil {
            newRS = try await createNewReplicaSet(d, old: old)
        } else if var rs = newRS {
            // Keep the new set's revision the newest.
            let maxOld = old.map { DeploymentRevisions.revision($0.metadata) }.max() ?? 0
            if DeploymentRevisions.revision(rs.metadata) <= maxOld {
                rs.metadata.annotations = (rs.metadata.annotations ?? [:]).merging([DeploymentRevisions.revisionAnnotation: String(maxOld + 1)]) { _, b in b }
                newRS = try await client.update(rs)
            }
        }

        if var rs = newRS {
            if d.spec?.strategy?.type == "Recreate" {
                try await recreate(d, newRS: &rs, old: &old)
            } else {
                try await rollingUpdate(d, newRS: &rs, old: &old)
            }
            newRS = rs
            try await cleanUp(d, old: old)
        }
        try await updateStatus(d, newRS: newRS, all: owned.filter { $0.metadata.uid != newRS?.metadata.uid } + (newRS.map { [$0] } ?? []))
    }

    func createNewReplicaSet(_ d: AppsV1.Deployment, old: [AppsV1.ReplicaSet]) async throws -> AppsV1.ReplicaSet {
        let hash = DeploymentRevisions.templateHash(d.spec?.template, collisionCount: d.status?.collisionCount)
        var template = d.spec?.template ?? CoreV1.PodTemplateSpec()
        template.metadata.labels = (template.metadata.labels ?? [:]).merging([DeploymentRevisions.hashLabel: hash]) { _, b in b }
        var selector = d.spec?.selector ?? MetaV1.LabelSelector()
        selector.matchLabels = (selector.matchLabels ?? [:]).merging([DeploymentRevisions.hashLabel: hash]) { _, b in b }
        var rs = AppsV1.ReplicaSet(metadata: MetaV1.ObjectMeta())
        rs.metadata.name = "\(d.metadata.name ?? "")-\(hash)"
        rs.metadata.namespace = d.metadata.namespace
        rs.metadata.labels = template.metadata.labels
        let revision = (old.map { DeploymentRevisions.revision($0.metadata) }.max() ?? 0) + 1
        let replicas = d.spec?.replicas ?? 1
        rs.metadata.annotations = [
            DeploymentRevisions.revisionAnnotation: String(revision),
            DeploymentRevisions.desiredReplicasAnnotation: String(replicas),
            DeploymentRevisions.maxReplicasAnnotation: String(replicas + Self.maxSurge(d)),
        ]
        rs.metadata.ownerReferences = [OwnerRefs.controllerRef(to: d)]
        // Starts at 0; the rollout below scales it within the strategy's bounds.
        rs.spec = AppsV1.ReplicaSetSpec(replicas: 0, minReadySeconds: d.spec?.minReadySeconds, selector: selector, template: template)
        do {
            let created = try await client.create(rs)
            await event(d, "Normal", "ScalingReplicaSet", "Created new replica set \"\(rs.metadata.name ?? "")\"")
            return created
        } catch let e as APIError where e.code == 409 {
            // A set of that name exists: ours from an earlier sync (the cache lags), or a hash collision.
            let existing = try await client.get(AppsV1.ReplicaSet.self, namespace: d.metadata.namespace, name: rs.metadata.name ?? "")
            if OwnerRefs.controller(of: existing.metadata)?.uid == d.metadata.uid,
               DeploymentRevisions.sameTemplate(existing.spec?.template, d.spec?.template) { return existing }
            var bumped = d
            var status = bumped.status ?? AppsV1.DeploymentStatus()
            status.collisionCount = (status.collisionCount ?? 0) + 1
            bumped.status = status
            _ = try? await client.updateStatus(bumped)
            throw e
        }
    }

    static func maxSurge(_ d: AppsV1.Deployment) -> Int {
        let replicas = d.spec?.replicas ?? 1
        return d.spec?.strategy?.rollingUpdate?.maxSurge?.scaledValue(total: replicas, roundUp: true) ?? Int((Double(replicas) * 0.25).rounded(.up))
    }

    static func maxUnavailable(_ d: AppsV1.Deployment) -> Int {
        let replicas = d.spec?.replicas ?? 1
        let unavailable = d.spec?.strategy?.rollingUpdate?.maxUnavailable?.scaledValue(total: replicas, roundUp: false) ?? Int(Double(replicas) * 0.25)
        // Both zero would block the rollout; Kubernetes then allows one unavailable.
        if unavailable == 0 && maxSurge(d) == 0 { return 1 }
        return min(unavailable, replicas)
    }

    func rollingUpdate(_ d: AppsV1.Deployment, newRS: inout AppsV1.ReplicaSet, old: inout [AppsV1.ReplicaSet]) async throws {
        let replicas = d.spec?.replicas ?? 1
        // Scale up the new set within maxSurge.
        let current = (old + [newRS]).reduce(0) { $0 + ($1.spec?.replicas ?? 0) }
        let newCount = newRS.spec?.replicas ?? 0
        var target = newCount
        if newCount > replicas {
            target = replicas
        } else if newCount < replicas {
            let room = replicas + Self.maxSurge(d) - current
            if room > 0 { target = min(newCount + room, replicas) }
        }
        if target != newCount { newRS = try await scale(newRS, to: target, d) }

        // Scale old sets down as far as maxUnavailable allows.
        let activeOld = old.filter { ($0.spec?.replicas ?? 0) > 0 }
        guard !activeOld.isEmpty else { return }
        let all = (old + [newRS]).reduce(0) { $0 + ($1.spec?.replicas ?? 0) }
        let minAvailable = replicas - Self.maxUnavailable(d)
        let newUnavailable = max(0, (newRS.spec?.replicas ?? 0) - (newRS.status?.availableReplicas ?? 0))
        var budget = all - minAvailable - newUnavailable
        guard budget > 0 else { return }
        // Unavailable old pods go first (they serve nothing), then the oldest revisions.
        for (i, rs) in old.enumerated().sorted(by: { DeploymentRevisions.revision($0.element.metadata) < DeploymentRevisions.revision($1.element.metadata) }) {
            guard budget > 0, let count = rs.spec?.replicas, count > 0 else { continue }
            let unhealthy = max(0, count - (rs.status?.availableReplicas ?? 0))
            let available = count - unhealthy
            let cut = min(count, unhealthy + max(0, min(available, budget - unhealthy)), budget)
            guard cut > 0 else { continue }
            old[i] = try await scale(rs, to: count - cut, d)
            budget -= cut
        }
    }

    func recreate(_ d: AppsV1.Deployment, newRS: inout AppsV1.ReplicaSet, old: inout [AppsV1.ReplicaSet]) async throws {
        for (i, rs) in old.enumerated() where (rs.spec?.replicas ?? 0) > 0 {
            old[i] = try await scale(rs, to: 0, d)
        }
        // New pods only once every old pod is gone.
        let oldUIDs = Set(old.compactMap(\.metadata.uid))
        let stillRunning = await pods.list().contains { p in
            p.metadata.namespace == d.metadata.namespace && oldUIDs.contains(OwnerRefs.controller(of: p.metadata)?.uid ?? "")
        }
        if !stillRunning, (newRS.spec?.replicas ?? 0) != (d.spec?.replicas ?? 1) {
            newRS = try await scale(newRS, to: d.spec?.replicas ?? 1, d)
        }
    }

    func scale(_ rs: AppsV1.ReplicaSet, to replicas: Int, _ d: AppsV1.Deployment) async throws -> AppsV1.ReplicaSet {
        var updated = rs
        let from = rs.spec?.replicas ?? 0
        updated.spec?.replicas = replicas
        var ann = updated.metadata.annotations ?? [:]
        ann[DeploymentRevisions.desiredReplicasAnnotation] = String(d.spec?.replicas ?? 1)
        ann[DeploymentRevisions.maxReplicasAnnotation] = String((d.spec?.replicas ?? 1) + Self.maxSurge(d))
        updated.metadata.annotations = ann
        let result = try await client.update(updated)
        if replicas != from {
            let verb = replicas > from ? "up" : "down"
            await event(d, "Normal", "ScalingReplicaSet", "Scaled \(verb) replica set \(rs.metadata.name ?? "") from \(from) to \(replicas)")
        }
        return result
    }

    /// Old sets scaled to zero beyond revisionHistoryLimit (10) are deleted, oldest first.
    func cleanUp(_ d: AppsV1.Deployment, old: [AppsV1.ReplicaSet]) async throws {
        let limit = d.spec?.revisionHistoryLimit ?? 10
        let idle = old.filter { ($0.spec?.replicas ?? 0) == 0 && ($0.status?.replicas ?? 0) == 0 }
            .sorted { DeploymentRevisions.revision($0.metadata) < DeploymentRevisions.revision($1.metadata) }
        guard idle.count > limit else { return }
        for rs in idle.prefix(idle.count - limit) {
            try? await client.delete(AppsV1.ReplicaSet.self, namespace: rs.metadata.namespace, name: rs.metadata.name ?? "",
                                     preconditionUID: rs.metadata.uid)
        }
    }

    func updateStatus(_ d: AppsV1.Deployment, newRS: AppsV1.ReplicaSet?, all: [AppsV1.ReplicaSet]) async throws {
        let replicas = d.spec?.replicas ?? 1
        var s = d.status ?? AppsV1.DeploymentStatus()
        s.observedGeneration = d.metadata.generation
        s.replicas = all.reduce(0) { $0 + ($1.status?.replicas ?? 0) }
        s.updatedReplicas = newRS?.status?.replicas ?? 0
        s.readyReplicas = all.reduce(0) { $0 + ($1.status?.readyReplicas ?? 0) }
        let available = all.reduce(0) { $0 + ($1.status?.availableReplicas ?? 0) }
        s.availableReplicas = available
        s.unavailableReplicas = max(0, replicas - available)
        let now = Time.now()
        var conditions = s.conditions ?? []
        func set(_ type: String, _ status: String, _ reason: String, _ message: String) {
            if let i = conditions.firstIndex(where: { $0.type == type }) {
                let changed = conditions[i].status != status
                if conditions[i].reason != reason || conditions[i].message != message || changed {
                    conditions[i].lastUpdateTime = now
                }
                if changed { conditions[i].lastTransitionTime = now }
                conditions[i].status = status
                conditions[i].reason = reason
                conditions[i].message = message
            } else {
                conditions.append(AppsV1.DeploymentCondition(type: type, status: status, lastUpdateTime: now, lastTransitionTime: now,
                                                             reason: reason, message: message))
            }
        }
        if available >= replicas - Self.maxUnavailable(d) {
            set("Available", "True", "MinimumReplicasAvailable", "Deployment has minimum availability.")
        } else {
            set("Available", "False", "MinimumReplicasUnavailable", "Deployment does not have minimum availability.")
        }
        var recheckAfter: Duration?
        let progressing = conditions.first { $0.type == "Progressing" }
        if d.spec?.paused == true {
            set("Progressing", "Unknown", "DeploymentPaused", "Deployment is paused")
        } else if progressing?.reason == "DeploymentPaused" {
            set("Progressing", "Unknown", "DeploymentResumed", "Deployment is resumed")
        } else if let rs = newRS {
            let name = rs.metadata.name ?? ""
            let complete = s.updatedReplicas == replicas && s.replicas == replicas && available == replicas
            if complete {
                set("Progressing", "True", "NewReplicaSetAvailable", "ReplicaSet \"\(name)\" has successfully progressed.")
            } else if Self.madeProgress(s, since: d.status) || progressing == nil {
                set("Progressing", "True", "ReplicaSetUpdated", "ReplicaSet \"\(name)\" is progressing.")
                if let i = conditions.firstIndex(where: { $0.type == "Progressing" }) { conditions[i].lastUpdateTime = now }
            }
            // progressDeadlineSeconds (600 by default): a rollout that stops making progress is marked failed.
            if !complete, let deadline = d.spec?.progressDeadlineSeconds,
               let cond = conditions.first(where: { $0.type == "Progressing" }), cond.reason != "ProgressDeadlineExceeded" {
                let since = cond.lastUpdateTime?.date ?? Date()
                let left = Double(deadline) - Date().timeIntervalSince(since)
                if left <= 0 {
                    set("Progressing", "False", "ProgressDeadlineExceeded", "ReplicaSet \"\(name)\" has timed out progressing.")
                    await event(d, "Warning", "ProgressDeadlineExceeded", "Deployment \"\(d.metadata.name ?? "")\" has timed out progressing.")
                } else {
                    recheckAfter = .milliseconds(Int(left * 1000) + 50)
                }
            }
        }
        s.conditions = conditions
        if let recheckAfter { await queue.add(Informer<AppsV1.Deployment>.key(d), after: recheckAfter) }
        var updated = d
        // Conditions carry times; compare without them so an unchanged status is not rewritten.
        func stripped(_ st: AppsV1.DeploymentStatus?) -> AppsV1.DeploymentStatus? {
            guard var x = st else { return nil }
            let conditions = x.conditions?.map { c in
                var c = c
                c.lastUpdateTime = nil
                c.lastTransitionTime = nil
                return c
            }
            x.conditions = conditions
            return x
        }
        guard stripped(s) != stripped(d.status) else { return }
        updated.status = s
        // The revision kubectl rollout history shows.
        if let rs = newRS {
            let rev = String(DeploymentRevisions.revision(rs.metadata))
            if updated.metadata.annotations?[DeploymentRevisions.revisionAnnotation] != rev {
                _ = try? await client.patch(AppsV1.Deployment.self, namespace: d.metadata.namespace, name: d.metadata.name ?? "",
                                            ["metadata": ["annotations": .object([DeploymentRevisions.revisionAnnotation: .string(rev)])]])
                updated = (try? await client.get(AppsV1.Deployment.self, namespace: d.metadata.namespace, name: d.metadata.name ?? "")) ?? updated
                updated.status = s
            }
        }
        do {
            _ = try await client.updateStatus(updated)
        } catch let e as APIError where e.code == 409 || e.code == 404 {
            await queue.add(Informer<AppsV1.Deployment>.key(d))
        }
    }

    /// Kubernetes' `DeploymentProgressing`: more updated, ready or available replicas, or fewer old ones.
    static func madeProgress(_ new: AppsV1.DeploymentStatus, since old: AppsV1.DeploymentStatus?) -> Bool {
        let o = old ?? AppsV1.DeploymentStatus()
        let oldOld = (o.replicas ?? 0) - (o.updatedReplicas ?? 0), newOld = (new.replicas ?? 0) - (new.updatedReplicas ?? 0)
        return (new.updatedReplicas ?? 0) > (o.updatedReplicas ?? 0) || (new.readyReplicas ?? 0) > (o.readyReplicas ?? 0)
            || (new.availableReplicas ?? 0) > (o.availableReplicas ?? 0) || newOld < oldOld
    }

    func event(_ d: AppsV1.Deployment, _ type: String, _ reason: String, _ message: String) async {
        await Events.record(client: client, regarding: d, type: type, reason: reason, message: message, component: "deployment-controller")
    }
}
