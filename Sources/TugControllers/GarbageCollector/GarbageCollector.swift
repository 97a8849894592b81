import Foundation
import Logging
import TugAPI
import TugClient

/// Deletes what nobody owns any more, as Kubernetes' garbage collector: an object whose every
/// owner is gone (checked against the API server, not just the cache) is deleted with
/// background propagation. An owner deleted with `propagationPolicy=Foreground` keeps its
/// `foregroundDeletion` finalizer until its dependents are gone; one deleted with `Orphan`
/// keeps the `orphan` finalizer until its dependents no longer point at it.
/// It follows the kinds it is given (`GarbageCollectedKind`); an owner of another served kind
/// is looked up live when its dependent changes, and one of an unknown kind is never assumed gone.
public struct GarbageCollector: Controller {
    public let name = "garbagecollector"
    public let queue = WorkQueue()
    let client: APIClient
    let kinds: [String: GarbageCollectedKind]
    let logger: Logger

    public init(client: APIClient, kinds: [GarbageCollectedKind], logger: Logger) {
        self.client = client
        self.kinds = Dictionary(kinds.map { ($0.kind, $0) }, uniquingKeysWith: { first, _ in first })
        self.logger = logger
    }

    /// Keys: `dependent/<Kind>/<ns>/<name>` to check one dependent, `owner/<Kind>/<ns>/<name>` for
    /// an owner being deleted with a finalizer.
    public func start() async {
        let queue = self.queue, kinds = self.kinds
        for k in kinds.values {
            await k.start { event in
                switch event {
                case .changed(let kind, let meta):
                    if !(meta.ownerReferences ?? []).isEmpty {
                        await queue.add("dependent/\(kind)/\(meta.namespace ?? "")/\(meta.name ?? "")")
                    }
                    let f = meta.finalizers ?? []
                    if meta.deletionTimestamp != nil, f.contains("foregroundDeletion") || f.contains("orphan") {
                        await queue.add("owner/\(kind)/\(meta.namespace ?? "")/\(meta.name ?? "")")
                    }
                case .deleted(_, let meta):
                    // Its dependents may now be orphans.
                    guard let uid = meta.uid else { return }
                    for d in kinds.values {
                        for dep in await d.dependents(uid) {
                            await queue.add("dependent/\(d.kind)/\(dep.namespace ?? "")/\(dep.name ?? "")")
                        }
                    }
                }
            }
        }
    }

    public func sync(_ key: String) async throws {
        let parts = key.split(separator: "/", maxSplits: 3, omittingEmptySubsequences: false).map(String.init)
        guard parts.count == 4, let kind = kinds[parts[1]] else { return }
        let (ns, name) = (parts[2], parts[3])
        if parts[0] == "dependent" { try await checkDependent(kind, ns, name) } else { try await finishOwner(kind, ns, name) }
    }

    /// Deletes the dependent when none of its owners exists any more.
    func checkDependent(_ kind: GarbageCollectedKind, _ ns: String, _ name: String) async throws {
        guard let meta = await kind.get(ns, name), meta.deletionTimestamp == nil, let refs = meta.ownerReferences, !refs.isEmpty else { return }
        for ref in refs {
            guard let alive = try await ownerExists(ref, namespace: ns) else { return }   // an owner kind we do not follow
            if alive { return }
        }
        logger.debug("garbage collecting \(kind.kind) \(ns)/\(name): its owners are gone")
        do {
            try await kind.delete(ns, name, kind.kind == "Pod" ? nil : "Background", meta.uid)
        } catch let e as APIError where e.code == 404 || e.code == 409 {}
    }

    /// Whether the owner exists with the referenced uid (live read when the cache lacks it);
    /// nil for kinds not followed. Cluster-scoped owners are looked up without a namespace.
    func ownerExists(_ ref: MetaV1.OwnerReference, namespace: String) async throws -> Bool? {
        guard let owner = kinds[ref.kind ?? ""], owner.apiVersion == ref.apiVersion else {
            // Another served kind: asked live (nothing here watches it, so only on the dependent's events).
            guard let info = ResourceCatalog.lookup(apiVersion: ref.apiVersion ?? "", kind: ref.kind ?? "") else { return nil }
            do {
                let obj = try await client.object(info, namespace: info.namespaced ? namespace : nil, name: ref.name ?? "")
                return obj["metadata"]?["uid"]?.stringValue == ref.uid
            } catch let e as APIError where e.code == 404 {
                return false
            }
        }
        let name = ref.name ?? ""
        let clusterScoped = ResourceCatalog.lookup(apiVersion: owner.apiVersion, kind: owner.kind)?.namespaced == false
        let ns = clusterScoped ? "" : namespace
        if await owner.get(ns, name)?.uid == ref.uid { return true }
        return try await owner.liveUID(ns, name) == ref.uid
    }

    /// Foreground: delete the dependents, then drop the finalizer. Orphan: release them, then drop it.
    func finishOwner(_ kind: GarbageCollectedKind, _ ns: String, _ name: String) async throws {
        guard let meta = await kind.get(ns, name), meta.deletionTimestamp != nil, let uid = meta.uid else { return }
        let finalizers = meta.finalizers ?? []
        var dependents: [(GarbageCollectedKind, MetaV1.ObjectMeta)] = []
        for d in kinds.values { for dep in await d.dependents(uid) { dependents.append((d, dep)) } }
        if finalizers.contains("orphan") {
            for (d, dep) in dependents { try await release(d, dep, from: uid) }
            try await removeFinalizer("orphan", kind: kind, ns: ns, name: name, finalizers: finalizers)
            return
        }
        guard finalizers.contains("foregroundDeletion") else { return }
        if dependents.isEmpty {
            try await removeFinalizer("foregroundDeletion", kind: kind, ns: ns, name: name, finalizers: finalizers)
            return
        }
        for (d, dep) in dependents where dep.deletionTimestamp == nil {
            try? await d.delete(dep.namespace ?? "", dep.name ?? "", d.kind == "Pod" ? nil : "Foreground", dep.uid)
        }
        await queue.add("owner/\(kind.kind)/\(ns)/\(name)", after: .seconds(1))
    }

    func release(_ kind: GarbageCollectedKind, _ meta: MetaV1.ObjectMeta, from uid: String) async throws {
        let refs = (meta.ownerReferences ?? []).filter { $0.uid != uid }
        try? await kind.patch(meta.namespace ?? "", meta.name ?? "",
                              ["metadata": ["ownerReferences": refs.isEmpty ? .null : try JSONValue(encoding: refs),
                                            "uid": .string(meta.uid ?? "")]])
    }

    func removeFinalizer(_ finalizer: String, kind: GarbageCollectedKind, ns: String, name: String, finalizers: [String]) async throws {
        let rest = finalizers.filter { $0 != finalizer }
        do {
            try await kind.patch(ns, name, ["metadata": ["finalizers": rest.isEmpty ? .null : .array(rest.map { .string($0) })]])
        } catch let e as APIError where e.code == 404 {}
    }
}
