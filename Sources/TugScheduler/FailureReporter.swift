import Foundation
import Logging
import TugAPI
import TugClient

/// Tells users what the scheduler decided, as kube-scheduler does: `PodScheduled=False` with
/// reason `Unschedulable` and the fit message on the pod, and Events (`FailedScheduling`,
/// `Scheduled`) that `kubectl describe pod` lists. The same failure is reported once.
actor FailureReporter {
    let client: APIClient
    let logger: Logger
    private var lastMessage: [String: String] = [:]

    init(client: APIClient, logger: Logger) {
        self.client = client
        self.logger = logger
    }

    func forget(_ uid: String) { lastMessage[uid] = nil }

    func report(_ pod: CoreV1.Pod, _ fit: FitError) async {
        let uid = pod.metadata.uid ?? ""
        let message = fit.message
        guard lastMessage[uid] != message else { return }
        lastMessage[uid] = message
        let condition: JSONValue = [
            "type": "PodScheduled", "status": "False", "reason": "Unschedulable", "message": .string(message),
            "lastTransitionTime": .string(Time.now().rfc3339),
        ]
        do {
            _ = try await client.patch(CoreV1.Pod.self, namespace: pod.metadata.namespace, name: pod.metadata.name ?? "",
                                       ["status": ["conditions": [condition]]], as: .strategic, subresource: "status")
        } catch {
            logger.debug("could not mark \(pod.metadata.name ?? "") unschedulable: \(error)")
        }
        await event(pod, type: "Warning", reason: "FailedScheduling", message: message)
    }

    func scheduled(_ pod: CoreV1.Pod, node: String) async {
        await event(pod, type: "Normal", reason: "Scheduled",
                    message: "Successfully assigned \(pod.metadata.namespace ?? "")/\(pod.metadata.name ?? "") to \(node)")
    }

    func event(_ pod: CoreV1.Pod, type: String, reason: String, message: String) async {
        await Events.record(client: client, regarding: pod, type: type, reason: reason, message: message, component: Scheduler.defaultName)
    }
}
