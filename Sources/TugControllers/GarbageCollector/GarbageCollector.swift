import Foundation
import Logging
import TugAPI
import TugClient

/// Deletes what nobody owns any more, as Kubernetes' garbage collector: a ReplicaSet or Pod
/// whose every owner is gone (checked against the API server, not just the cache) is deleted
/// (background propagation). An owner deleted with `propagationPolicy=Foreground` keeps its
/// `foregroundDeletion` finalizer until its dependents are gone; one deleted with `Orphan`
/// keeps the `orphan` finalizer until its dependents no longer point at it.
/// Owners tracked: Deployments, ReplicaSets, StatefulSets and DaemonSets (the kinds whose
/// controllers create children); dependents: ReplicaSets, Pods and ControllerRevisions.
public struct GarbageCollector: Controller {
    public let name = "garbagecollector"
    public let queue = WorkQueue()
    let client: APIClient
    let deployments: Informer<AppsV1.Deployment>
    let sets: Informer<AppsV1.ReplicaSet>
    let pods: Informer<CoreV1.Pod>
    let statefulSets: Informer<AppsV1.StatefulSet>
    let daemonSets: Informer<AppsV1.DaemonSet>
    let revisions: Informer<AppsV1.ControllerRevision>
    let logger: Logger

    static let ownerIndex = "owner"

    public init(client: APIClient, deployments: Informer<AppsV1.Deployment>, sets: Informer<AppsV1.ReplicaSet>,
                pods: Informer<CoreV1.Pod>, statefulSets: Informer<AppsV1.StatefulSet>, daemonSets: Informer<AppsV1.DaemonSet>,
                revisions: Informer<AppsV1.ControllerRevision>, logger: Logger) {
        self.client = client
        self.deployments = deployments
        self.sets = sets
        self.pods = pods
        self.statefulSets = statefulSets
        self.daemonSets = daemonSets
        self.revisions = revisions
        self.logger = logger
    }

    /// Keys: `dependent/<Kind>/<ns>/<name>` to check one dependent, `owner/<Kind>/<ns>/<name>` for
    /// an owner being deleted with a finalizer.
    public func start() async {
        let queue = self.queue
        let ownerUIDs: @Sendable (MetaV1.ObjectMeta) -> [String] = { ($0.ownerReferences ?? []).compactMap(\.uid) }
        await sets.addIndex(Self.ownerIndex) { ownerUIDs($0.metadata) }
        await pods.addIndex(Self.ownerIndex) { ownerUIDs($0.metadata) }
        await revisions.addIndex(Self.ownerIndex) { ownerUIDs($0.metadata) }
        @Sendable func dependent(_ kind: String, _ meta: MetaV1.ObjectMeta) async {
            guard !(meta.ownerReferences ?? []).isEmpty else { return }
            await queue.add("dependent/\(kind)/\(meta.namespace ?? "")/\(meta.name ?? "")")
        }
        @Sendable func owner(_ kind: String, _ meta: MetaV1.ObjectMeta) async {
            let f = meta.finalizers ?? []
            if meta.deletionTimestamp != nil, f.contains("foregroundDeletion") || f.contains("orphan") {
                await queue.add("owner/\(kind)/\(meta.namespace ?? "")/\(meta.name ?? "")")
            }
        }
        await pods.addHandler { event in
            switch event {
            case .added(let p), .updated(_, let p): await dependent("Pod", p.metadata)
            case .deleted: break
            }
        }
        await sets.addHandler { [pods] event in
            switch event {
            case .added(let rs), .updated(_, let rs):
                await dependent("ReplicaSet", rs.metadata)
                await owner("ReplicaSet", rs.metadata)
            case .deleted(let rs):
                for p in await pods.byIndex(Self.ownerIndex, rs.metadata.uid ?? "") { await dependent("Pod", p.metadata) }
            }
        }
        await revisions.addHandler { event in
            switch event {
            case .added(let r), .updated(_, let r): await dependent("ControllerRevision", r.metadata)
            case .deleted: break
            }
        }
        /// A pod-and-revision owner: a StatefulSet or DaemonSet.
        @Sendable func podOwnerEvent(_ kind: String, _ meta: MetaV1.ObjectMeta, deleted: Bool) async {
            guard deleted else { return await owner(kind, meta) }
            for p in await pods.byIndex(Self.ownerIndex, meta.uid ?? "") { await dependent("Pod", p.metadata) }
            for r in await revisions.byIndex(Self.ownerIndex, meta.uid ?? "") { await dependent("ControllerRevision", r.metadata) }
        }
        await statefulSets.addHandler { event in
            switch event {
            case .added(let o), .updated(_, let o): await podOwnerEvent("StatefulSet", o.metadata, deleted: false)
            case .deleted(let o): await podOwnerEvent("StatefulSet", o.metadata, deleted: true)
            }
        }
        await daemonSets.addHandler { event in
            switch event {
            case .added(let o), .updated(_, let o): await podOwnerEvent("DaemonSet", o.metadata, deleted: false)
            case .deleted(let o): await podOwnerEvent("DaemonSet", o.metadata, deleted: true)
            }
        }
        await deployments.addHandler { [sets] event in
            switch event {
            case .added(let d), .updated(_, let d): await owner("Deployment", d.metadata)
            case .deleted(let d):
                for rs in await sets.byIndex(Self.ownerIndex, d.metadata.uid ?? "") { await dependent("ReplicaSet", rs.metadata) }
            }
        }
    }

    public func sync(_ key: String) async throws {
        let parts = key.split(separator: "/", maxSplits: 3, omittingEmptySubsequences: false).map(String.init)
        guard parts.count == 4 else { return }
        let (role, kind, ns, name) = (parts[0], parts[1], parts[2], parts[3])
        if role == "dependent" { try await checkDependent(kind, ns, name) } else { try await finishOwner(kind, ns, name) }
    }

    /// Deletes the dependent when none of its owners exists any more.
    func checkDependent(_ kind: String, _ ns: String, _ name: String) async throws {
        let meta: MetaV1.ObjectMeta?
        switch kind {
        case "Pod": meta = await pods.get(namespace: ns, name: name)?.metadata
        case "ReplicaSet": meta = await sets.get(namespace: ns, name: name)?.metadata
        case "ControllerRevision": meta = await revisions.get(namespace: ns, name: name)?.metadata
        default: meta = nil
        }
        guard let meta, meta.deletionTimestamp == nil, let refs = meta.ownerReferences, !refs.isEmpty else { return }
        for ref in refs {
            guard let alive = try await ownerExists(ref, namespace: ns) else { return }   // an owner kind we do not track
            if alive { return }
        }
        logger.debug("garbage collecting \(kind) \(ns)/\(name): its owners are gone")
        do {
            switch kind {
            case "Pod": try await client.delete(CoreV1.Pod.self, namespace: ns, name: name, preconditionUID: meta.uid)
            case "ControllerRevision": try await client.delete(AppsV1.ControllerRevision.self, namespace: ns, name: name, preconditionUID: meta.uid)
            default: try await client.delete(AppsV1.ReplicaSet.self, namespace: ns, name: name, propagationPolicy: "Background", preconditionUID: meta.uid)
            }
        } catch let e as APIError where e.code == 404 || e.code == 409 {}
    }

    /// Whether the owner exists with the referenced uid (live read when the cache lacks it); nil for untracked kinds.
    func ownerExists(_ ref: MetaV1.OwnerReference, namespace: String) async throws -> Bool? {
        let name = ref.name ?? ""
        func live<T: APIObject>(_ type: T.Type) async throws -> Bool {
            do {
                return try await client.get(T.self, namespace: namespace, name: name).metadata.uid == ref.uid
            } catch let e as APIError where e.code == 404 {
                return false
            }
        }
        switch (ref.apiVersion ?? "", ref.kind ?? "") {
        case ("apps/v1", "Deployment"):
            if await deployments.get(namespace: namespace, name: name)?.metadata.uid == ref.uid { return true }
            return try await live(AppsV1.Deployment.self)
        case ("apps/v1", "ReplicaSet"):
            if await sets.get(namespace: namespace, name: name)?.metadata.uid == ref.uid { return true }
            return try await live(AppsV1.ReplicaSet.self)
        case ("apps/v1", "StatefulSet"):
            if await statefulSets.get(namespace: namespace, name: name)?.metadata.uid == ref.uid { return true }
            return try await live(AppsV1.StatefulSet.self)
        case ("apps/v1", "DaemonSet"):
            if await daemonSets.get(namespace: namespace, name: name)?.metadata.uid == ref.uid { return true }
            return try await live(AppsV1.DaemonSet.self)
        default:
            return nil
        }
    }

    /// Foreground: delete the dependents, then drop the finalizer. Orphan: release them, then drop it.
    func finishOwner(_ kind: String, _ ns: String, _ name: String) async throws {
        let meta: MetaV1.ObjectMeta?
        switch kind {
        case "Deployment": meta = await deployments.get(namespace: ns, name: name)?.metadata
        case "StatefulSet": meta = await statefulSets.get(namespace: ns, name: name)?.metadata
        case "DaemonSet": meta = await daemonSets.get(namespace: ns, name: name)?.metadata
        default: meta = await sets.get(namespace: ns, name: name)?.metadata
        }
        guard let meta, meta.deletionTimestamp != nil, let uid = meta.uid else { return }
        let finalizers = meta.finalizers ?? []
        let dependentSets = await sets.byIndex(Self.ownerIndex, uid)
        let dependentPods = await pods.byIndex(Self.ownerIndex, uid)
        let dependentRevisions = await revisions.byIndex(Self.ownerIndex, uid)
        if finalizers.contains("orphan") {
            for rs in dependentSets { try await ChildClaims.release(rs, from: uid, client: client) }
            for p in dependentPods { try await ChildClaims.release(p, from: uid, client: client) }
            for r in dependentRevisions { try await ChildClaims.release(r, from: uid, client: client) }
            try await removeFinalizer("orphan", kind: kind, ns: ns, name: name, finalizers: finalizers)
            return
        }
        guard finalizers.contains("foregroundDeletion") else { return }
        if dependentSets.isEmpty && dependentPods.isEmpty && dependentRevisions.isEmpty {
            try await removeFinalizer("foregroundDeletion", kind: kind, ns: ns, name: name, finalizers: finalizers)
            return
        }
        for rs in dependentSets where rs.metadata.deletionTimestamp == nil {
            try? await client.delete(AppsV1.ReplicaSet.self, namespace: ns, name: rs.metadata.name ?? "", propagationPolicy: "Foreground")
        }
        for p in dependentPods where p.metadata.deletionTimestamp == nil {
            try? await client.delete(CoreV1.Pod.self, namespace: ns, name: p.metadata.name ?? "")
        }
        for r in dependentRevisions where r.metadata.deletionTimestamp == nil {
            _ = try? await client.delete(AppsV1.ControllerRevision.self, namespace: ns, name: r.metadata.name ?? "")
        }
        await queue.add("owner/\(kind)/\(ns)/\(name)", after: .seconds(1))
    }

    func removeFinalizer(_ finalizer: String, kind: String, ns: String, name: String, finalizers: [String]) async throws {
        let rest = finalizers.filter { $0 != finalizer }
        let patch: JSONValue = ["metadata": ["finalizers": rest.isEmpty ? .null : .array(rest.map { .string($0) })]]
        do {
            switch kind {
            case "Deployment": _ = try await client.patch(AppsV1.Deployment.self, namespace: ns, name: name, patch)
            case "StatefulSet": _ = try await client.patch(AppsV1.StatefulSet.self, namespace: ns, name: name, patch)
            case "DaemonSet": _ = try await client.patch(AppsV1.DaemonSet.self, namespace: ns, name: name, patch)
            default: _ = try await client.patch(AppsV1.ReplicaSet.self, namespace: ns, name: name, patch)
            }
        } catch let e as APIError where e.code == 404 {}
    }
}
