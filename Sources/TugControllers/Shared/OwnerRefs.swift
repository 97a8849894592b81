import Foundation
import TugAPI

/// Owner references as controllers use them.
public enum OwnerRefs {
    /// The reference marked `controller: true`, if any.
    public static func controller(of meta: MetaV1.ObjectMeta) -> MetaV1.OwnerReference? {
        meta.ownerReferences?.first { $0.controller == true }
    }

    /// A controller reference to `owner` (blocking its foreground deletion, as Kubernetes sets it).
    public static func controllerRef<T: APIObject>(to owner: T) -> MetaV1.OwnerReference {
        MetaV1.OwnerReference(apiVersion: T.apiVersion, kind: T.kind, name: owner.metadata.name, uid: owner.metadata.uid,
                              controller: true, blockOwnerDeletion: true)
    }

    /// The `controller` index: pods (or any object) by the uid of their controller.
    public static func controllerUIDs(_ meta: MetaV1.ObjectMeta) -> [String] {
        controller(of: meta)?.uid.map { [$0] } ?? []
    }
}

/// Pod facts controllers share.
public enum PodState {
    public static func isActive(_ pod: CoreV1.Pod) -> Bool {
        let phase = pod.status?.phase ?? ""
        return phase != "Succeeded" && phase != "Failed" && pod.metadata.deletionTimestamp == nil
    }

    public static func isReady(_ pod: CoreV1.Pod) -> Bool {
        pod.status?.conditions?.contains { $0.type == "Ready" && $0.status == "True" } == true
    }

    /// Ready for at least `minReadySeconds` (as of `now`).
    public static func isAvailable(_ pod: CoreV1.Pod, minReadySeconds: Int, now: Date = Date()) -> Bool {
        guard let ready = pod.status?.conditions?.first(where: { $0.type == "Ready" && $0.status == "True" }) else { return false }
        if minReadySeconds == 0 { return true }
        guard let since = ready.lastTransitionTime?.date else { return false }
        return now.timeIntervalSince(since) >= Double(minReadySeconds)
    }

    /// Kubernetes' order for deleting surplus pods: the first are the cheapest to lose
    /// (unscheduled, then pending, then not ready, then most recently ready or created).
    public static func deletionOrder(_ a: CoreV1.Pod, _ b: CoreV1.Pod) -> Bool {
        let aBound = !(a.spec?.nodeName ?? "").isEmpty, bBound = !(b.spec?.nodeName ?? "").isEmpty
        if aBound != bBound { return !aBound }
        func phaseRank(_ p: CoreV1.Pod) -> Int {
            switch p.status?.phase ?? "Pending" {
            case "Pending": return 0
            case "Unknown": return 1
            default: return 2
            }
        }
        if phaseRank(a) != phaseRank(b) { return phaseRank(a) < phaseRank(b) }
        if isReady(a) != isReady(b) { return !isReady(a) }
        let ra = a.status?.containerStatuses?.reduce(0) { $0 + ($1.restartCount ?? 0) } ?? 0
        let rb = b.status?.containerStatuses?.reduce(0) { $0 + ($1.restartCount ?? 0) } ?? 0
        if ra != rb { return ra > rb }
        let ta = a.metadata.creationTimestamp?.date ?? .distantPast, tb = b.metadata.creationTimestamp?.date ?? .distantPast
        if ta != tb { return ta > tb }
        return (a.metadata.name ?? "") < (b.metadata.name ?? "")
    }
}
