import Foundation
import TugAPI

/// Kubernetes' deployment scaling when `spec.replicas` changes (or the Deployment is paused):
/// with one active ReplicaSet it takes the new size; with a rollout in progress every active set
/// grows or shrinks in proportion to its share, the leftover going to the largest, so that a
/// resize mid-rollout neither restarts nor skews the rollout.
enum ProportionalScaling {
    /// A scaling event: an active set was last sized for another `spec.replicas`.
    static func isScalingEvent(_ d: AppsV1.Deployment, sets: [AppsV1.ReplicaSet]) -> Bool {
        let replicas = d.spec?.replicas ?? 1
        return sets.contains { rs in
            (rs.spec?.replicas ?? 0) > 0 && desired(rs) != nil && desired(rs) != replicas
        }
    }

    static func desired(_ rs: AppsV1.ReplicaSet) -> Int? {
        rs.metadata.annotations?[DeploymentRevisions.desiredReplicasAnnotation].flatMap { Int($0) }
    }

    /// The size each set should have (by uid); sets not listed keep theirs.
    static func targets(_ d: AppsV1.Deployment, newRS: AppsV1.ReplicaSet?, old: [AppsV1.ReplicaSet], maxSurge: Int) -> [String: Int] {
        let replicas = d.spec?.replicas ?? 1
        let all = (newRS.map { [$0] } ?? []) + old
        let active = all.filter { ($0.spec?.replicas ?? 0) > 0 }
        func uid(_ rs: AppsV1.ReplicaSet) -> String { rs.metadata.uid ?? rs.metadata.name ?? "" }
        // One active set (or none: the newest) takes the whole size.
        if active.count <= 1 {
            let target = active.first ?? newRS ?? old.max { DeploymentRevisions.revision($0.metadata) < DeploymentRevisions.revision($1.metadata) }
            return target.map { [uid($0): replicas] } ?? [:]
        }
        // The new set is saturated: the old ones go.
        if let rs = newRS, rs.spec?.replicas == replicas, desired(rs) == replicas, rs.status?.availableReplicas == replicas {
            return Dictionary(old.filter { ($0.spec?.replicas ?? 0) > 0 }.map { (uid($0), 0) }, uniquingKeysWith: { a, _ in a })
        }
        let current = active.reduce(0) { $0 + ($1.spec?.replicas ?? 0) }
        let allowed = replicas > 0 ? replicas + maxSurge : 0
        let toAdd = allowed - current
        // Nothing to move (or Recreate, which never runs two sets): sizes stay, annotations follow.
        guard toAdd != 0, d.spec?.strategy?.type != "Recreate" else {
            return Dictionary(active.map { (uid($0), $0.spec?.replicas ?? 0) }, uniquingKeysWith: { a, _ in a })
        }
        // Larger sets first; on ties the newer when growing, the older when shrinking.
        let ordered = active.sorted { a, b in
            let ra = a.spec?.replicas ?? 0, rb = b.spec?.replicas ?? 0
            if ra != rb { return ra > rb }
            let ta = a.metadata.creationTimestamp?.date ?? .distantPast, tb = b.metadata.creationTimestamp?.date ?? .distantPast
            if ta != tb { return toAdd > 0 ? ta > tb : ta < tb }
            return (a.metadata.name ?? "") < (b.metadata.name ?? "")
        }
        var sizes: [String: Int] = [:]
        var added = 0
        for rs in ordered {
            let p = proportion(rs, d, toAdd: toAdd, added: added, maxSurge: maxSurge)
            sizes[uid(rs)] = (rs.spec?.replicas ?? 0) + p
            added += p
        }
        if let largest = ordered.first {
            sizes[uid(largest)] = max(0, (sizes[uid(largest)] ?? 0) + toAdd - added)
        }
        return sizes
    }

    /// Kubernetes' `GetProportion`: the set's share of the change, bounded by what is left.
    static func proportion(_ rs: AppsV1.ReplicaSet, _ d: AppsV1.Deployment, toAdd: Int, added: Int, maxSurge: Int) -> Int {
        let size = rs.spec?.replicas ?? 0
        guard size != 0, toAdd != 0, toAdd != added else { return 0 }
        let fraction: Int
        let replicas = d.spec?.replicas ?? 1
        if replicas == 0 {
            fraction = -size
        } else {
            var before = rs.metadata.annotations?[DeploymentRevisions.maxReplicasAnnotation].flatMap { Int($0) } ?? 0
            if before == 0 { before = d.status?.replicas ?? 0 }
            guard before > 0 else { return 0 }
            fraction = Int((Double(size * (replicas + maxSurge)) / Double(before)).rounded()) - size
        }
        let allowed = toAdd - added
        return toAdd > 0 ? min(fraction, allowed) : max(fraction, allowed)
    }
}
