import Foundation
import TugAPI

/// A StatefulSet's pods as one sync sees them: `slots[i]` holds the pod of ordinal `start + i`
/// (nil when missing), `condemned` the pods whose ordinals are outside the wanted range,
/// highest ordinal first.
struct StatefulSetPlan {
    let set: AppsV1.StatefulSet
    let start: Int
    var slots: [CoreV1.Pod?]
    var condemned: [CoreV1.Pod]
    let current: AppsV1.ControllerRevision
    let update: AppsV1.ControllerRevision
    let minReadySeconds: Int

    init(set: AppsV1.StatefulSet, pods: [CoreV1.Pod], current: AppsV1.ControllerRevision, update: AppsV1.ControllerRevision) {
        self.set = set
        self.current = current
        self.update = update
        start = StatefulSetIdentity.startOrdinal(set)
        minReadySeconds = set.spec?.minReadySeconds ?? 0
        let count = max(0, set.spec?.replicas ?? 1)
        var slots = [CoreV1.Pod?](repeating: nil, count: count)
        var condemned: [(Int, CoreV1.Pod)] = []
        for p in pods {
            guard let ordinal = StatefulSetIdentity.ordinal(of: p, in: set) else { continue }
            let i = ordinal - start
            if i >= 0 && i < count { slots[i] = p } else { condemned.append((ordinal, p)) }
        }
        self.slots = slots
        self.condemned = condemned.sorted { $0.0 > $1.0 }.map(\.1)
    }

    var all: [CoreV1.Pod] { slots.compactMap { $0 } + condemned }

    /// Running, Ready (for minReadySeconds) and not terminating: Kubernetes' `isHealthy`.
    func healthy(_ p: CoreV1.Pod) -> Bool {
        p.metadata.deletionTimestamp == nil && p.status?.phase == "Running" && PodState.isAvailable(p, minReadySeconds: minReadySeconds)
    }

    mutating func remove(_ p: CoreV1.Pod) {
        if let i = slots.firstIndex(where: { $0?.metadata.uid == p.metadata.uid }) { slots[i] = nil }
        condemned.removeAll { $0.metadata.uid == p.metadata.uid }
    }

    /// The template and revision name for a new pod at slot `index`: below the partition a
    /// rolling update keeps the current revision, everything else gets the update revision.
    func templateFor(index: Int) -> (CoreV1.PodTemplateSpec?, String) {
        let strategy = set.spec?.updateStrategy
        if (strategy?.type ?? "RollingUpdate") == "RollingUpdate", index < (strategy?.rollingUpdate?.partition ?? 0),
           let template = ControllerHistory.template(of: current) {
            return (template, current.metadata.name ?? "")
        }
        return (set.spec?.template, update.metadata.name ?? "")
    }

    struct Counts {
        var replicas = 0, ready = 0, available = 0, current = 0, updated = 0
    }

    /// Status counts over every pod (as Kubernetes: terminating pods count as replicas but at no revision).
    func counts() -> Counts {
        var c = Counts()
        for p in all {
            c.replicas += 1
            if p.status?.phase == "Running" && PodState.isReady(p) {
                c.ready += 1
                if PodState.isAvailable(p, minReadySeconds: minReadySeconds) { c.available += 1 }
            }
            guard p.metadata.deletionTimestamp == nil else { continue }
            let rev = StatefulSetIdentity.revision(of: p)
            if rev == current.metadata.name { c.current += 1 }
            if rev == update.metadata.name { c.updated += 1 }
        }
        return c
    }
}
