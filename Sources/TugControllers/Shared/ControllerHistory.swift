import Foundation
import Logging
import TugAPI
import TugClient

/// The ControllerRevisions of a StatefulSet or DaemonSet (Kubernetes' controller history):
/// one revision per pod template, named `<owner>-<hash>`, whose `data` is the strategic merge
/// patch that restores the template (so `kubectl rollout undo` can apply it and
/// `kubectl rollout history --revision` can show it), numbered 1, 2, … with the newest
/// template always the highest number.
public enum ControllerHistory {
    /// The revision `data`: `{"spec":{"template":{…,"$patch":"replace"}}}`, as Kubernetes writes it.
    public static func patch(for template: CoreV1.PodTemplateSpec?) throws -> JSONValue {
        var t = try JSONValue(encoding: template ?? CoreV1.PodTemplateSpec())
        t["$patch"] = "replace"
        return ["spec": ["template": t]]
    }

    /// The pod template a revision restores (nil when its data is not a template patch).
    public static func template(of revision: AppsV1.ControllerRevision) -> CoreV1.PodTemplateSpec? {
        guard var t = revision.data?["spec"]?["template"], t.objectValue != nil else { return nil }
        t["$patch"] = nil
        return try? t.decode(as: CoreV1.PodTemplateSpec.self)
    }

    public static func sorted(_ revisions: [AppsV1.ControllerRevision]) -> [AppsV1.ControllerRevision] {
        revisions.sorted { ($0.revision ?? 0, $0.metadata.name ?? "") < ($1.revision ?? 0, $1.metadata.name ?? "") }
    }

    /// What `resolve` found or made.
    public struct Resolved: Sendable {
        /// The revision of the owner's current template, numbered highest.
        public var update: AppsV1.ControllerRevision
        /// Every revision the owner has (including `update`), oldest first.
        public var all: [AppsV1.ControllerRevision]
    }

    /// A name clash with a revision that is not the owner's: the owner's `collisionCount`
    /// must go up (the caller writes it to status) and the sync retried.
    public struct Collision: Error, CustomStringConvertible {
        public let name: String
        public var description: String { "ControllerRevision \(name) exists with another template; bumping collisionCount" }
    }

    /// Claims the owner's revisions (by its selector, like its pods), then finds the revision
    /// of `template` among them (renumbering it to be the newest when an older revision is
    /// rolled back to) or creates it. On a name collision the owner's status gets
    /// `bumpCollisionCount` applied and `Collision` is thrown, so the retry uses a new name.
    public static func resolve<Owner: APIObject>(
        owner: Owner, template: CoreV1.PodTemplateSpec?, collisionCount: Int?, selector: Labels.Selector,
        revisions: Informer<AppsV1.ControllerRevision>, extraLabels: (String) -> [String: String], client: APIClient, logger: Logger,
        bumpCollisionCount: (inout Owner) -> Void
    ) async throws -> Resolved {
        let claimed = try await ChildClaims.claim(owner, selector: selector, children: revisions, client: client, logger: logger)
        do {
            return try await resolve(owner: owner, template: template, collisionCount: collisionCount, revisions: claimed,
                                     extraLabels: extraLabels, client: client)
        } catch let collision as Collision {
            var bumped = owner
            bumpCollisionCount(&bumped)
            _ = try? await client.updateStatus(bumped)
            throw collision
        }
    }

    static func resolve<Owner: APIObject>(
        owner: Owner, template: CoreV1.PodTemplateSpec?, collisionCount: Int?, revisions: [AppsV1.ControllerRevision],
        extraLabels: (String) -> [String: String], client: APIClient
    ) async throws -> Resolved {
        var all = sorted(revisions.filter { $0.metadata.deletionTimestamp == nil })
        let next = (all.last?.revision ?? 0) + 1
        if let i = all.lastIndex(where: { Self.template(of: $0) == template }) {
            if i == all.count - 1 { return Resolved(update: all[i], all: all) }
            var bumped = all[i]
            bumped.revision = next
            bumped = try await client.update(bumped)
            all.remove(at: i)
            all.append(bumped)
            return Resolved(update: bumped, all: all)
        }
        let hash = DeploymentRevisions.templateHash(template, collisionCount: collisionCount)
        var cr = AppsV1.ControllerRevision(metadata: MetaV1.ObjectMeta())
        cr.metadata.name = "\(owner.metadata.name ?? "")-\(hash)"
        cr.metadata.namespace = owner.metadata.namespace
        cr.metadata.labels = (template?.metadata.labels ?? [:]).merging(extraLabels(hash)) { _, b in b }
        cr.metadata.annotations = owner.metadata.annotations
        cr.metadata.ownerReferences = [OwnerRefs.controllerRef(to: owner)]
        cr.data = try patch(for: template)
        cr.revision = next
        do {
            let created = try await client.create(cr)
            all.append(created)
            return Resolved(update: created, all: all)
        } catch let e as APIError where e.code == 409 {
            // Ours from an earlier sync the cache has not shown yet, or a hash collision.
            let existing = try await client.get(AppsV1.ControllerRevision.self, namespace: owner.metadata.namespace, name: cr.metadata.name ?? "")
            guard OwnerRefs.controller(of: existing.metadata)?.uid == owner.metadata.uid, Self.template(of: existing) == template else {
                throw Collision(name: cr.metadata.name ?? "")
            }
            all.removeAll { $0.metadata.uid == existing.metadata.uid }
            all.append(existing)
            return Resolved(update: existing, all: sorted(all))
        }
    }

    /// Deletes the oldest revisions beyond `limit`, never one in `live` (names still in use).
    public static func truncate(_ all: [AppsV1.ControllerRevision], live: Set<String>, limit: Int, client: APIClient) async {
        let idle = sorted(all).filter { !live.contains($0.metadata.name ?? "") }
        guard idle.count > limit else { return }
        for cr in idle.prefix(idle.count - limit) {
            _ = try? await client.delete(AppsV1.ControllerRevision.self, namespace: cr.metadata.namespace, name: cr.metadata.name ?? "",
                                     preconditionUID: cr.metadata.uid)
        }
    }
}
