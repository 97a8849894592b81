import Foundation
import Logging
import TugAPI
import TugClient

/// Carries out a preemption decision as kube-scheduler does: each victim gets a
/// `DisruptionTarget` condition (reason `PreemptionByScheduler`), is deleted gracefully and gets
/// a `Preempted` Event; lower-priority pods nominated to the node lose that nomination; the
/// preemptor's `status.nominatedNodeName` is set so that the node is held for it.
struct PreemptionExecutor: Sendable {
    let client: APIClient
    let cluster: ClusterObjects
    let logger: Logger
    let schedulerName: String

    func execute(_ preemptor: CoreV1.Pod, _ candidate: PreemptionCandidate) async {
        // (The cache already recorded the nomination and the victims: `recordPreemption`.)
        await withTaskGroup(of: Void.self) { group in
            for victim in candidate.victims {
                group.addTask { await evict(victim, by: preemptor, node: candidate.node) }
            }
        }
        let priority = preemptor.spec?.priority ?? 0
        for other in cluster.nominatedPods(on: candidate.node, except: preemptor.metadata.uid) where (other.spec?.priority ?? 0) < priority {
            cluster.removeNominated(uid: other.metadata.uid ?? "")
            await setNominatedNode(other, nil)
        }
        await setNominatedNode(preemptor, candidate.node)
    }

    func evict(_ victim: CoreV1.Pod, by preemptor: CoreV1.Pod, node: String) async {
        let name = victim.metadata.name ?? ""
        let condition: JSONValue = [
            "type": "DisruptionTarget", "status": "True", "reason": "PreemptionByScheduler",
            "message": .string("\(schedulerName): preempting to accommodate a higher priority pod"),
            "lastTransitionTime": .string(Time.now().rfc3339),
        ]
        do {
            _ = try await client.patch(CoreV1.Pod.self, namespace: victim.metadata.namespace, name: name,
                                       ["status": ["conditions": [condition]]], as: .strategic, subresource: "status")
            try await client.delete(CoreV1.Pod.self, namespace: victim.metadata.namespace, name: name, preconditionUID: victim.metadata.uid)
        } catch {
            // Already gone (or replaced): nothing left to preempt.
            logger.debug("preempting \(name) failed: \(error)")
            return
        }
        await Events.record(client: client, regarding: victim, type: "Normal", reason: "Preempted",
                            message: "Preempted by pod \(preemptor.metadata.uid ?? "") on node \(node)", component: schedulerName)
    }

    /// Sets (or, with nil, clears) `status.nominatedNodeName`.
    func setNominatedNode(_ pod: CoreV1.Pod, _ node: String?) async {
        let value: JSONValue = node.map { .string($0) } ?? .null
        do {
            _ = try await client.patch(CoreV1.Pod.self, namespace: pod.metadata.namespace, name: pod.metadata.name ?? "",
                                       ["status": ["nominatedNodeName": value]], as: .strategic, subresource: "status")
        } catch {
            logger.debug("could not set the nominated node of \(pod.metadata.name ?? ""): \(error)")
        }
    }
}
