import Foundation
import Logging
import TugAPI
import TugClient

/// Kubernetes' ControllerRefManager: which children (pods, ControllerRevisions) an owner has.
/// Children it controls that still match its selector stay; controlled ones that stopped
/// matching are released; matching orphans that `adoptable` accepts are adopted. The children
/// informer needs the `controller` and `namespace` indexes (`IndexNames`).
public enum ChildClaims {
    public static func claim<Owner: APIObject, Child: APIObject>(
        _ owner: Owner, selector: Labels.Selector, children: Informer<Child>, client: APIClient, logger: Logger,
        adoptable: @Sendable (Child) -> Bool = { _ in true }
    ) async throws -> [Child] {
        var owned: [Child] = []
        let ownerDeleting = owner.metadata.deletionTimestamp != nil
        for c in await children.byIndex(IndexNames.controller, owner.metadata.uid ?? "") {
            if selector.matches(labels: c.metadata.labels ?? [:]) || c.metadata.deletionTimestamp != nil {
                owned.append(c)
            } else if !ownerDeleting {
                try await release(c, from: owner.metadata.uid ?? "", client: client)
            }
        }
        // An owner on its way out adopts nothing; an empty selector would take every orphan.
        guard !ownerDeleting, !selector.isEmpty else { return owned }
        for c in await children.byIndex(IndexNames.namespace, owner.metadata.namespace ?? "")
        where OwnerRefs.controller(of: c.metadata) == nil && c.metadata.deletionTimestamp == nil
            && selector.matches(labels: c.metadata.labels ?? [:]) && adoptable(c) {
            let refs = (c.metadata.ownerReferences ?? []) + [OwnerRefs.controllerRef(to: owner)]
            do {
                // The uid guards against adopting a namesake created since the cache saw it.
                owned.append(try await client.patch(Child.self, namespace: c.metadata.namespace, name: c.metadata.name ?? "",
                                                    ["metadata": ["ownerReferences": try JSONValue(encoding: refs),
                                                                  "uid": .string(c.metadata.uid ?? "")]]))
            } catch {
                logger.debug("adopting \(Child.kind) \(c.metadata.name ?? ""): \(error)")
            }
        }
        return owned
    }

    /// Drops the owner's reference from a child (best effort: it may be gone already).
    public static func release<Child: APIObject>(_ c: Child, from ownerUID: String, client: APIClient) async throws {
        let refs = (c.metadata.ownerReferences ?? []).filter { $0.uid != ownerUID }
        _ = try? await client.patch(Child.self, namespace: c.metadata.namespace, name: c.metadata.name ?? "",
                                    ["metadata": ["ownerReferences": refs.isEmpty ? .null : try JSONValue(encoding: refs),
                                                  "uid": .string(c.metadata.uid ?? "")]])
    }
}

extension ChildClaims {
    /// The indexes `claim` reads: children by controller uid and by namespace.
    public static func indexChildren<Child: APIObject>(_ children: Informer<Child>) async {
        await children.addIndex(IndexNames.controller) { OwnerRefs.controllerUIDs($0.metadata) }
        await children.addIndex(IndexNames.namespace) { [$0.metadata.namespace ?? ""] }
    }

    /// The keys of the owners a child event concerns: its controller when that is of `Owner`'s
    /// kind, or for an orphan every owner in its namespace whose selector matches it (one may
    /// adopt it; `selector` gives an owner's parsed selector, nil when it does not parse).
    /// Owners need the `namespace` index.
    public static func ownerKeys<Owner: APIObject>(of meta: MetaV1.ObjectMeta, in owners: Informer<Owner>,
                                                   selector: @Sendable (Owner) -> Labels.Selector?) async -> [String] {
        if let ref = OwnerRefs.controller(of: meta) {
            guard ref.kind == Owner.kind, let name = ref.name else { return [] }
            return [Informer<Owner>.key(namespace: meta.namespace, name: name)]
        }
        return await owners.byIndex(IndexNames.namespace, meta.namespace ?? "").filter { o in
            selector(o)?.matches(labels: meta.labels ?? [:]) == true
        }.map { Informer<Owner>.key($0) }
    }
}

/// Status writes of the pod controllers.
public enum StatusWrites {
    /// Writes `obj`'s status. A conflict or a vanished object is not an error: a newer version
    /// is on its way through the informer, and its sync writes the status.
    public static func write<T: APIObject>(_ obj: T, client: APIClient) async throws {
        do {
            _ = try await client.updateStatus(obj)
        } catch let e as APIError where e.code == 409 || e.code == 404 {}
    }
}

extension ChildClaims {
    /// The pod handler of controllers that create pods under generated names (ReplicaSet,
    /// DaemonSet): queues the owner (or the owners that could adopt an orphan) and tells
    /// `expectations` of the creations and deletions it sees, a pod that starts terminating
    /// counting as deleted.
    public static func podEvents<Owner: APIObject>(owners: Informer<Owner>, selector: @escaping @Sendable (Owner) -> Labels.Selector?,
                                                   queue: WorkQueue, expectations: Expectations) -> Informer<CoreV1.Pod>.Handler {
        @Sendable func controllerKey(_ p: CoreV1.Pod) -> String? {
            guard let ref = OwnerRefs.controller(of: p.metadata), ref.kind == Owner.kind, let name = ref.name else { return nil }
            return Informer<Owner>.key(namespace: p.metadata.namespace, name: name)
        }
        return { event in
            switch event {
            case .added(let p):
                if let key = controllerKey(p) { await expectations.observedAdd(key) }
                for key in await ownerKeys(of: p.metadata, in: owners, selector: selector) { await queue.add(key) }
            case .updated(let old, let new):
                let keys = await ownerKeys(of: old.metadata, in: owners, selector: selector) + ownerKeys(of: new.metadata, in: owners, selector: selector)
                for key in Set(keys) { await queue.add(key) }
                if old.metadata.deletionTimestamp == nil, new.metadata.deletionTimestamp != nil, let key = controllerKey(new) {
                    await expectations.observedDelete(key)
                }
            case .deleted(let p):
                if let key = controllerKey(p) {
                    if p.metadata.deletionTimestamp == nil { await expectations.observedDelete(key) }
                    await queue.add(key)
                }
            }
        }
    }
}
