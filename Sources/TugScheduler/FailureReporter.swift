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
        var e = CoreV1.Event(metadata: MetaV1.ObjectMeta())
        let now = Time.now()
        e.metadata.name = "\(pod.metadata.name ?? "pod").\(String(UInt64.random(in: 0...UInt64.max), radix: 16))"
        e.metadata.namespace = pod.metadata.namespace
        e.involvedObject = CoreV1.ObjectReference(kind: "Pod", namespace: pod.metadata.namespace, name: pod.metadata.name,
                                                  uid: pod.metadata.uid, apiVersion: "v1", resourceVersion: pod.metadata.resourceVersion)
        e.reason = reason
        e.message = message
        e.type = type
        e.source = CoreV1.EventSource(component: Scheduler.defaultName)
        e.firstTimestamp = now
        e.lastTimestamp = now
        e.count = 1
        e.reportingComponent = Scheduler.defaultName
        e.reportingInstance = Scheduler.defaultName
        do {
            _ = try await client.create(e)
        } catch {
            logger.debug("could not record event \(reason) for \(pod.metadata.name ?? ""): \(error)")
        }
    }
}
