import Foundation
import Logging
import TugAPI
import TugClient

/// Notices nodes that stop reporting, as Kubernetes' node lifecycle controller: a node whose
/// Lease (or Ready heartbeat) is older than the grace period gets its conditions set to
/// `Unknown` and the `node.kubernetes.io/unreachable` taints (NoSchedule keeps new pods away,
/// NoExecute evicts); a node reporting `Ready=False` gets the `not-ready` ones. Pods on a node
/// with NoExecute taints are evicted at once when they do not tolerate them, else after their
/// `tolerationSeconds` (300 s by the default tolerations). Taints go when the node is Ready again.
public struct NodeLifecycleController: Controller {
    public let name = "nodelifecycle"
    public let queue = WorkQueue()
    let client: APIClient
    let nodes: Informer<CoreV1.Node>
    let leases: Informer<CoordinationV1.Lease>
    let pods: Informer<CoreV1.Pod>
    let gracePeriod: Duration
    let monitorPeriod: Duration
    let logger: Logger

    public static let unreachable = "node.kubernetes.io/unreachable"
    public static let notReady = "node.kubernetes.io/not-ready"
    static let nodeIndex = "nodeName"

    public init(client: APIClient, nodes: Informer<CoreV1.Node>, leases: Informer<CoordinationV1.Lease>, pods: Informer<CoreV1.Pod>,
                gracePeriod: Duration = .seconds(40), monitorPeriod: Duration = .seconds(5), logger: Logger) {
        self.client = client
        self.nodes = nodes
        self.leases = leases
        self.pods = pods
        self.gracePeriod = gracePeriod
        self.monitorPeriod = monitorPeriod
        self.logger = logger
    }

    public func start() async {
        let queue = self.queue
        await pods.addIndex(Self.nodeIndex) { [$0.spec?.nodeName ?? ""] }
        await nodes.addHandler { event in
            switch event {
            case .added(let n), .updated(_, let n): await queue.add(n.metadata.name ?? "")
            case .deleted: break
            }
        }
    }

    /// Looks at every node each monitor period (heartbeats age without any event).
    public func monitor() async {
        while !Task.isCancelled {
            try? await Task.sleep(for: monitorPeriod)
            for n in await nodes.list() { await queue.add(n.metadata.name ?? "") }
        }
    }

    public func sync(_ key: String) async throws {
        guard var node = await nodes.get(key) else { return }
        let now = Date()
        let lease = await leases.get(namespace: "kube-node-lease", name: key)
        let ready = node.status?.conditions?.first { $0.type == "Ready" }
        let heartbeat = [lease?.spec?.renewTime?.date, ready?.lastHeartbeatTime?.date].compactMap { $0 }.max()
            ?? node.metadata.creationTimestamp?.date ?? now
        let silent = now.timeIntervalSince(heartbeat) > Double(gracePeriod.components.seconds)

        if silent, ready?.status != "Unknown" {
            node = try await markUnknown(node, now: now)
        }
        let readyStatus = node.status?.conditions?.first { $0.type == "Ready" }?.status ?? "Unknown"
        let wanted: String? = readyStatus == "Unknown" ? Self.unreachable : (readyStatus == "False" ? Self.notReady : nil)
        node = try await setTaints(node, key: wanted, now: now)
        try await evict(node, now: now)
    }

    func markUnknown(_ node: CoreV1.Node, now: Date) async throws -> CoreV1.Node {
        var n = node
        let t = Time(now)
        let conditions = (n.status?.conditions ?? []).map { c in
            var c = c
            guard ["Ready", "MemoryPressure", "DiskPressure", "PIDPressure"].contains(c.type ?? "") else { return c }
            if c.status != "Unknown" { c.lastTransitionTime = t }
            c.status = "Unknown"
            c.reason = "NodeStatusUnknown"
            c.message = "Kubelet stopped posting node status."
            return c
        }
        n.status?.conditions = conditions
        logger.info("node \(node.metadata.name ?? "") stopped reporting; marking it Unknown")
        await Events.record(client: client, regarding: node, type: "Normal", reason: "NodeNotReady",
                            message: "Node \(node.metadata.name ?? "") status is now: NodeNotReady", component: "node-controller")
        return try await client.updateStatus(n)
    }

    /// Makes the node carry exactly the lifecycle taints for `key` (nil: none).
    func setTaints(_ node: CoreV1.Node, key: String?, now: Date) async throws -> CoreV1.Node {
        let current = node.spec?.taints ?? []
        let others = current.filter { $0.key != Self.unreachable && $0.key != Self.notReady }
        var wanted = others
        if let key {
            for effect in ["NoSchedule", "NoExecute"] {
                // Keep the time a NoExecute taint was added: tolerationSeconds count from it.
                let existing = current.first { $0.key == key && $0.effect == effect }
                wanted.append(existing ?? CoreV1.Taint(key: key, effect: effect, timeAdded: effect == "NoExecute" ? Time(now) : nil))
            }
        }
        guard wanted != current else { return node }
        var n = node
        var spec = n.spec ?? CoreV1.NodeSpec()
        spec.taints = wanted.isEmpty ? nil : wanted
        n.spec = spec
        return try await client.update(n)
    }

    /// Deletes pods that do not tolerate the node's NoExecute taints (now, or when their
    /// tolerationSeconds run out, with a requeue for then).
    func evict(_ node: CoreV1.Node, now: Date) async throws {
        let taints = (node.spec?.taints ?? []).filter { $0.effect == "NoExecute" }
        guard !taints.isEmpty, let name = node.metadata.name else { return }
        var nextCheck: TimeInterval?
        for pod in await pods.byIndex(Self.nodeIndex, name) where pod.metadata.deletionTimestamp == nil {
            var evictAt: Date? = nil
            var never = true
            for taint in taints {
                let matching = (pod.spec?.tolerations ?? []).filter { ($0.effect ?? "").isEmpty || $0.effect == "NoExecute" }.filter { $0.tolerates(taint) }
                if matching.isEmpty {
                    evictAt = now
                    never = false
                    break
                }
                let seconds = matching.compactMap(\.tolerationSeconds)
                if seconds.count < matching.count { continue }   // one toleration without a limit: tolerated forever
                let at = (taint.timeAdded?.date ?? now).addingTimeInterval(TimeInterval(max(0, seconds.min() ?? 0)))
                evictAt = min(evictAt ?? at, at)
                never = false
            }
            guard !never, let at = evictAt else { continue }
            if at <= now {
                logger.info("evicting \(pod.metadata.namespace ?? "")/\(pod.metadata.name ?? "") from node \(name)")
                await Events.record(client: client, regarding: pod, type: "Normal", reason: "TaintManagerEviction",
                                    message: "Marking for deletion Pod \(pod.metadata.namespace ?? "")/\(pod.metadata.name ?? "")", component: "taint-eviction-controller")
                do {
                    try await client.delete(CoreV1.Pod.self, namespace: pod.metadata.namespace, name: pod.metadata.name ?? "", preconditionUID: pod.metadata.uid)
                } catch let e as APIError where e.code == 404 || e.code == 409 {}
            } else {
                let wait = at.timeIntervalSince(now)
                nextCheck = min(nextCheck ?? wait, wait)
            }
        }
        if let wait = nextCheck { await queue.add(name, after: .milliseconds(Int64(wait * 1000) + 50)) }
    }
}
