import Foundation
import Logging
import TugAPI
import TugClient

/// Deletes pods nobody else will, as Kubernetes' pod garbage collector, every `period`:
/// terminated pods (Succeeded/Failed) beyond `terminatedPodThreshold`, oldest first (evicted
/// ones before others; 0 turns this off); pods bound to nodes that have been gone for the
/// `quarantine` (confirmed with the API server), after a `DisruptionTarget` condition;
/// terminating pods on NotReady nodes tainted `node.kubernetes.io/out-of-service`; and
/// terminating pods never scheduled. All deletions are forced (grace period 0), after
/// marking a still-running pod Failed.
public struct PodGCController: Controller {
    public let name = "podgc"
    public let queue = WorkQueue()
    let client: APIClient
    let pods: Informer<CoreV1.Pod>
    let nodes: Informer<CoreV1.Node>
    let terminatedPodThreshold: Int
    let quarantine: Duration
    let period: Duration
    let missing = MissingNodes()
    let logger: Logger

    public static let outOfServiceTaint = "node.kubernetes.io/out-of-service"
    static let key = "podgc"

    public init(client: APIClient, pods: Informer<CoreV1.Pod>, nodes: Informer<CoreV1.Node>, terminatedPodThreshold: Int = 12500,
                quarantine: Duration = .seconds(40), period: Duration = .seconds(20), logger: Logger) {
        self.client = client
        self.pods = pods
        self.nodes = nodes
        self.terminatedPodThreshold = terminatedPodThreshold
        self.quarantine = quarantine
        self.period = period
        self.logger = logger
    }

    /// Queues a collection every period (the work is a sweep, not a reaction to events).
    public func monitor() async {
        while !Task.isCancelled {
            await queue.add(Self.key)
            try? await Task.sleep(for: period)
        }
    }

    public func sync(_ key: String) async throws {
        let all = await pods.list()
        var failures: [String] = []
        func run(_ what: String, _ victims: [CoreV1.Pod], condition: CoreV1.PodCondition? = nil) async {
            for p in victims {
                do {
                    try await markFailedAndDelete(p, condition: condition)
                } catch let e as APIError where e.code == 404 {
                } catch {
                    failures.append("\(what) \(p.metadata.namespace ?? "")/\(p.metadata.name ?? ""): \(error)")
                }
            }
        }
        await run("terminated", terminatedOverThreshold(all))
        await run("terminating on out-of-service node", await terminatingOnOutOfServiceNodes(all))
        await run("orphaned", try await orphaned(all),
                  condition: CoreV1.PodCondition(type: "DisruptionTarget", status: "True", lastTransitionTime: Time.now(),
                                                 reason: "DeletionByPodGC", message: "PodGC: node no longer exists"))
        await run("unscheduled terminating", all.filter { $0.metadata.deletionTimestamp != nil && ($0.spec?.nodeName ?? "").isEmpty })
        if !failures.isEmpty { throw PodGCError.deleteFailed(failures) }
    }

    static func isTerminated(_ p: CoreV1.Pod) -> Bool {
        let phase = p.status?.phase ?? ""
        return phase == "Succeeded" || phase == "Failed"
    }

    /// The oldest terminated pods beyond the threshold (evicted ones count as oldest).
    func terminatedOverThreshold(_ all: [CoreV1.Pod]) -> [CoreV1.Pod] {
        guard terminatedPodThreshold > 0 else { return [] }
        let terminated = all.filter(Self.isTerminated)
        guard terminated.count > terminatedPodThreshold else { return [] }
        return Array(terminated.sorted(by: Self.collectionOrder).prefix(terminated.count - terminatedPodThreshold))
    }

    static func collectionOrder(_ a: CoreV1.Pod, _ b: CoreV1.Pod) -> Bool {
        let ea = a.status?.reason == "Evicted", eb = b.status?.reason == "Evicted"
        if ea != eb { return ea }
        let ta = a.metadata.creationTimestamp?.date ?? .distantPast, tb = b.metadata.creationTimestamp?.date ?? .distantPast
        if ta != tb { return ta < tb }
        return (a.metadata.name ?? "") < (b.metadata.name ?? "")
    }

    func terminatingOnOutOfServiceNodes(_ all: [CoreV1.Pod]) async -> [CoreV1.Pod] {
        var victims: [CoreV1.Pod] = []
        for p in all where p.metadata.deletionTimestamp != nil {
            guard let nodeName = p.spec?.nodeName, !nodeName.isEmpty, let node = await nodes.get(nodeName) else { continue }
            let ready = node.status?.conditions?.first { $0.type == "Ready" }?.status == "True"
            if !ready, node.spec?.taints?.contains(where: { $0.key == Self.outOfServiceTaint }) == true { victims.append(p) }
        }
        return victims.sorted(by: Self.collectionOrder)
    }

    /// Pods on nodes missing from the cache for the whole quarantine and confirmed gone by a
    /// live read (a node may be missing from the cache only briefly, e.g. on a relist).
    func orphaned(_ all: [CoreV1.Pod]) async throws -> [CoreV1.Pod] {
        var missingNow = Set<String>()
        for p in all {
            guard let nodeName = p.spec?.nodeName, !nodeName.isEmpty else { continue }
            if await nodes.get(nodeName) == nil { missingNow.insert(nodeName) }
        }
        let due = await missing.update(missingNow, quarantine: quarantine, now: ContinuousClock.now)
        var gone = Set<String>()
        for nodeName in due {
            do {
                _ = try await client.get(CoreV1.Node.self, name: nodeName)
            } catch let e as APIError where e.code == 404 {
                gone.insert(nodeName)
            }
        }
        return all.filter { gone.contains($0.spec?.nodeName ?? "") }
    }

    /// Marks a pod that has not finished Failed (with `condition`), then deletes it at once.
    func markFailedAndDelete(_ p: CoreV1.Pod, condition: CoreV1.PodCondition?) async throws {
        let ns = p.metadata.namespace, name = p.metadata.name ?? ""
        logger.info("PodGC is force deleting pod \(ns ?? "")/\(name)")
        if !Self.isTerminated(p) {
            var status: [String: JSONValue] = ["phase": "Failed"]
            if let condition { status["conditions"] = .array([try JSONValue(encoding: condition)]) }
            _ = try await client.patch(CoreV1.Pod.self, namespace: ns, name: name, ["status": .object(status)],
                                       as: .strategic, subresource: "status")
        }
        try await client.delete(CoreV1.Pod.self, namespace: ns, name: name, gracePeriodSeconds: 0, preconditionUID: p.metadata.uid)
    }
}

/// Since when each node has been missing, to hold off deleting its pods for the quarantine.
actor MissingNodes {
    private var since: [String: ContinuousClock.Instant] = [:]

    /// Records the nodes missing now (forgetting those back) and returns the ones missing for
    /// at least `quarantine`.
    func update(_ missing: Set<String>, quarantine: Duration, now: ContinuousClock.Instant) -> [String] {
        for name in since.keys where !missing.contains(name) { since[name] = nil }
        for name in missing where since[name] == nil { since[name] = now }
        return since.filter { now - $0.value >= quarantine }.map(\.key).sorted()
    }
}

enum PodGCError: Error, CustomStringConvertible {
    case deleteFailed([String])
    var description: String {
        switch self { case .deleteFailed(let f): return "pod garbage collection failed for: " + f.joined(separator: "; ") }
    }
}
