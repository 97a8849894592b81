import Foundation
import TugAPI

/// A DaemonSet's pods mapped to nodes as one sync sees them, and the decisions Kubernetes'
/// daemonset controller takes from that picture: which nodes need a pod, which pods must go,
/// how far a rolling update may proceed, and the status counts.
struct DaemonSetView {
    let ds: AppsV1.DaemonSet
    let hash: String
    let minReadySeconds: Int
    /// Nodes by name, in name order.
    let nodes: [CoreV1.Node]
    let decisions: [String: DaemonPlacement.Decision]
    /// Pods for each node (by `spec.nodeName` or their pinned node), oldest first.
    let byNode: [String: [CoreV1.Pod]]
    /// Pods for no node, or for a node that no longer exists.
    let stray: [CoreV1.Pod]
    let now: Date

    struct Plan {
        var create: [String] = []
        var delete: [CoreV1.Pod] = []
    }

    init(ds: AppsV1.DaemonSet, nodes: [CoreV1.Node], pods: [CoreV1.Pod], hash: String, now: Date = Date()) {
        self.ds = ds
        self.hash = hash
        self.now = now
        minReadySeconds = ds.spec?.minReadySeconds ?? 0
        self.nodes = nodes.sorted { ($0.metadata.name ?? "") < ($1.metadata.name ?? "") }
        var decisions: [String: DaemonPlacement.Decision] = [:]
        for n in nodes { decisions[n.metadata.name ?? ""] = DaemonPlacement.decide(ds.spec?.template, on: n) }
        self.decisions = decisions
        var byNode: [String: [CoreV1.Pod]] = [:]
        var stray: [CoreV1.Pod] = []
        for p in pods {
            if let node = DaemonPlacement.targetNode(of: p), decisions[node] != nil { byNode[node, default: []].append(p) } else { stray.append(p) }
        }
        self.byNode = byNode.mapValues { $0.sorted(by: Self.older) }
        self.stray = stray
    }

    static func older(_ a: CoreV1.Pod, _ b: CoreV1.Pod) -> Bool {
        let ta = a.metadata.creationTimestamp?.date ?? .distantPast, tb = b.metadata.creationTimestamp?.date ?? .distantPast
        return ta != tb ? ta < tb : (a.metadata.name ?? "") < (b.metadata.name ?? "")
    }

    func isNew(_ p: CoreV1.Pod) -> Bool { p.metadata.labels?[DaemonPlacement.revisionLabel] == hash }
    func available(_ p: CoreV1.Pod) -> Bool { PodState.isAvailable(p, minReadySeconds: minReadySeconds, now: now) }

    /// Pods that still count on a node: not terminating, not failed.
    func live(_ node: String) -> [CoreV1.Pod] {
        (byNode[node] ?? []).filter { $0.metadata.deletionTimestamp == nil && $0.status?.phase != "Failed" }
    }

    /// Failed pods on nodes they may stay on: replaced (after a backoff) by the controller.
    var failedByNode: [String: [CoreV1.Pod]] {
        var out: [String: [CoreV1.Pod]] = [:]
        for (node, pods) in byNode where decisions[node]?.shouldContinueRunning == true {
            let failed = pods.filter { $0.metadata.deletionTimestamp == nil && $0.status?.phase == "Failed" }
            if !failed.isEmpty { out[node] = failed }
        }
        return out
    }

    var maxSurge: Int {
        guard ds.spec?.updateStrategy?.type ?? "RollingUpdate" == "RollingUpdate" else { return 0 }
        return ds.spec?.updateStrategy?.rollingUpdate?.maxSurge?.scaledValue(total: desired, roundUp: true) ?? 0
    }

    var maxUnavailable: Int {
        let v = ds.spec?.updateStrategy?.rollingUpdate?.maxUnavailable?.scaledValue(total: desired, roundUp: true) ?? 1
        // Both zero would stall the update; Kubernetes then allows one.
        return v == 0 && maxSurge == 0 ? 1 : v
    }

    var desired: Int { decisions.values.filter(\.shouldRun).count }

    /// Kubernetes' `podsShouldBeOnNode` over every node: create where a pod is missing, delete
    /// duplicates (keeping the oldest; with surge one old and one new may coexist), and delete
    /// pods from nodes they may not stay on and from nodes that are gone.
    func placementPlan() -> Plan {
        var plan = Plan()
        for node in nodes {
            let name = node.metadata.name ?? ""
            guard let d = decisions[name] else { continue }
            let all = byNode[name] ?? []
            if d.shouldRun && all.isEmpty {
                plan.create.append(name)
            } else if d.shouldContinueRunning {
                let running = live(name)
                guard running.count > 1 else { continue }
                if maxSurge > 0 {
                    let newOnes = running.filter(isNew), oldOnes = running.filter { !isNew($0) }
                    plan.delete += newOnes.dropFirst() + oldOnes.dropFirst()
                } else {
                    plan.delete += running.dropFirst()
                }
            } else {
                plan.delete += all.filter { $0.metadata.deletionTimestamp == nil }
            }
        }
        plan.delete += stray.filter { $0.metadata.deletionTimestamp == nil }
        return plan
    }

    /// Kubernetes' `rollingUpdate`: old pods replaced node by node while at most maxUnavailable
    /// nodes lack an available pod; with maxSurge the new pod starts first and the old one goes
    /// once the new one is available.
    func rollingUpdate(into plan: inout Plan) {
        var numUnavailable = 0
        var allowed: [CoreV1.Pod] = [], candidates: [CoreV1.Pod] = []
        var surgeNow: [String] = [], surgeCandidates: [String] = []
        var numSurge = 0
        let surge = maxSurge, unavailableLimit = maxUnavailable
        for node in nodes {
            let name = node.metadata.name ?? ""
            guard decisions[name]?.shouldRun == true else { continue }
            let running = live(name)
            let newPods = running.filter(isNew), oldPods = running.filter { !isNew($0) }
            guard newPods.count <= 1, oldPods.count <= 1 else {
                // Duplicates: manage cleans up this node; it counts as unavailable meanwhile.
                numUnavailable += 1
                continue
            }
            let newPod = newPods.first, oldPod = oldPods.first
            switch (oldPod, newPod) {
            case (nil, nil):
                numUnavailable += 1
            case (nil, let n?):
                if !available(n) { numUnavailable += 1 }
            case (let o?, nil):
                if surge == 0 {
                    if !available(o) {
                        // Already serving nothing: replacing it costs no availability, but it counts.
                        allowed.append(o)
                        numUnavailable += 1
                    } else if numUnavailable < unavailableLimit {
                        candidates.append(o)
                    }
                } else {
                    if !available(o) { surgeNow.append(name) } else if numSurge < surge { surgeCandidates.append(name) }
                }
            case (let o?, let n?):
                if surge == 0 {
                    numUnavailable += 1
                } else if available(n) {
                    plan.delete.append(o)
                } else {
                    numSurge += 1
                }
            }
        }
        if surge == 0 {
            let remaining = max(0, unavailableLimit - numUnavailable)
            plan.delete += allowed + candidates.prefix(remaining)
        } else {
            let remaining = max(0, surge - numSurge)
            plan.create += surgeNow + surgeCandidates.prefix(remaining)
        }
    }

    struct Counts {
        var desired = 0, current = 0, misscheduled = 0, ready = 0, available = 0, updated = 0
    }

    func counts() -> Counts {
        var c = Counts()
        for node in nodes {
            let name = node.metadata.name ?? ""
            let pods = byNode[name] ?? []
            if decisions[name]?.shouldRun == true {
                c.desired += 1
                // The node's best pod speaks for it: a live one, ready first, then the oldest.
                guard let pod = pods.sorted(by: { a, b in
                    let ra = a.metadata.deletionTimestamp == nil && PodState.isReady(a), rb = b.metadata.deletionTimestamp == nil && PodState.isReady(b)
                    return ra != rb ? ra : Self.older(a, b)
                }).first else { continue }
                c.current += 1
                if PodState.isReady(pod) {
                    c.ready += 1
                    if available(pod) { c.available += 1 }
                }
                if isNew(pod) { c.updated += 1 }
            } else if !pods.isEmpty {
                c.misscheduled += 1
            }
        }
        return c
    }
}
