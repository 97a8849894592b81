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
