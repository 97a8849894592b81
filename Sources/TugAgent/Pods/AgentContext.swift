import Foundation
import Logging
import TugAPI
import TugClient
import TugRuntime

/// What every pod worker of one agent shares: the API client, the runtime, where files go,
/// and who this node is.
struct AgentContext: Sendable {
    let client: APIClient
    let runtime: any ContainerRuntime
    let capabilities: RuntimeCapabilities
    /// The scheme of container IDs in pod status (`process://…`, `containerd://…`).
    let runtimeName: String
    let nodeName: String
    let nodeIP: String
    let paths: AgentPaths
    let preparation: PodPreparation
    /// CrashLoopBackOff delays of every container on the node.
    let backoff: RestartBackoff
    let prober: Prober
    let hooks: LifecycleHookRunner
    /// Pull policy, pull secrets and image pull back-off for every pod on the node.
    let images: ImagePuller
    /// Each pod's resolv.conf.
    let dns: PodDNS
    /// Pods with their own network wait for it.
    let network: PodNetworkReadiness
    let logger: Logger
    /// How often a worker whose pod is not settled (a container being created, waiting for its
    /// network or a retry) re-reads its containers' state; also the node-wide relist's interval.
    let relistInterval: Duration
    /// How often a settled pod's worker syncs when nothing wakes it: the relist wakes it when its
    /// containers change, the watch when its pod does, probes when a verdict does.
    let resyncInterval: Duration

    /// Records an Event made by the probe or hook machinery.
    func event(_ pod: CoreV1.Pod, _ e: KubeletEvent, container: String? = nil) {
        event(pod, e.type, e.reason, e.message, container: container)
    }

    /// Records an Event about the pod as kubelet does (source kubelet, this host; `container`
    /// sets the fieldPath `spec.containers{name}`).
    func event(_ pod: CoreV1.Pod, _ type: String, _ reason: String, _ message: String, container: String? = nil, initContainer: Bool = false) {
        let client = self.client, host = nodeName
        let fieldPath = container.map { initContainer ? "spec.initContainers{\($0)}" : "spec.containers{\($0)}" }
        if type == "Warning" {
            logger.warning("pod \(pod.metadata.namespace ?? "")/\(pod.metadata.name ?? ""): \(reason): \(message)")
        }
        Task { await Events.record(client: client, regarding: pod, type: type, reason: reason, message: message, component: "kubelet",
                                   fieldPath: fieldPath, host: host) }
    }
}

/// The agent's folders: per-pod state (volumes) and container logs (kubelet's
/// `/var/lib/kubelet/pods/<uid>` and `/var/log/pods/<ns>_<name>_<uid>`).
public struct AgentPaths: Sendable, Hashable {
    public let root: String
    public init(root: String) { self.root = root }

    public var podsDirectory: String { root + "/pods" }
    public var logsDirectory: String { root + "/pod-logs" }
    public func podDirectory(uid: String) -> String { podsDirectory + "/" + uid }
    public func podLogDirectory(namespace: String, name: String, uid: String) -> String {
        logsDirectory + "/\(namespace)_\(name)_\(uid)"
    }
    /// Relative to the pod's log directory, as CRI's ContainerConfig.log_path.
    public static func containerLogPath(container: String, attempt: UInt32) -> String { "\(container)/\(attempt).log" }
}
