import Foundation
import TugAPI
import TugRuntime

extension PodWorker {
    /// The pod and its sandbox when it may be evicted (running, not being deleted, not
    /// finished, not a static pod's mirror: kubelet never evicts those critical pods first).
    func evictionView() -> (CoreV1.Pod, SandboxID?)? {
        let phase = lastWrittenStatus?.phase ?? pod.status?.phase ?? ""
        guard !removed, pod.metadata.deletionTimestamp == nil, phase != "Succeeded", phase != "Failed" else { return nil }
        if pod.metadata.annotations?["kubernetes.io/config.mirror"] != nil { return nil }
        return (pod, sandbox)
    }

    /// Hard eviction: the containers are killed at once, and the pod is Failed with reason
    /// Evicted and a DisruptionTarget condition; its controller replaces it. The pod object
    /// stays until someone deletes it, as in Kubernetes.
    func evict(message: String) async {
        evicted = true
        context.event(pod, "Warning", "Evicted", message)
        if let sb = sandbox {
            for c in (try? await context.runtime.listContainers(sandbox: sb)) ?? [] where c.state == .running || c.state == .created {
                try? await context.runtime.stopContainer(c.id, timeout: .zero)
            }
            try? await context.runtime.stopSandbox(sb)
            sandboxStopped = true
        }
        var status = pod.status ?? CoreV1.PodStatus()
        if let sb = sandbox, let all = try? await context.runtime.listContainers(sandbox: sb) {
            let builder = PodStatusBuilder(pod: pod, runtimeName: runtimeScheme, nodeIP: context.nodeIP, podIPs: podIPs, sandboxReady: false,
                                           initContainers: views(for: pod.spec?.initContainers ?? [], all),
                                           containers: views(for: pod.spec?.containers ?? [], all).map { v in var v = v; v.waiting = nil; return v })
            status = builder.build()
            status.conditions = builder.conditions(phase: "Failed", initDone: builder.initialized, statuses: status.containerStatuses ?? [])
        }
        status.phase = "Failed"
        status.reason = "Evicted"
        status.message = message
        let now = Time.now()
        status.conditions = (status.conditions ?? []).filter { $0.type != "DisruptionTarget" } + [
            CoreV1.PodCondition(type: "DisruptionTarget", status: "True", lastTransitionTime: now, reason: "TerminationByKubelet",
                                message: message),
        ]
        try? await writeStatus(status)
        wake()
    }
}
