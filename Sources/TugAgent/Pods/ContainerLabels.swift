import Foundation
import TugAPI

/// The labels and annotations kubelet puts on sandboxes and containers so that, after a
/// restart, it can tell from the runtime alone which pod and container each one is.
enum ContainerLabels {
    static let podName = "io.kubernetes.pod.name"
    static let podNamespace = "io.kubernetes.pod.namespace"
    static let podUID = "io.kubernetes.pod.uid"
    static let containerName = "io.kubernetes.container.name"
    static let containerHash = "io.kubernetes.container.hash"
    static let restartCount = "io.kubernetes.container.restartCount"

    static func sandboxLabels(_ pod: CoreV1.Pod) -> [String: String] {
        var l = pod.metadata.labels ?? [:]
        l[podName] = pod.metadata.name ?? ""
        l[podNamespace] = pod.metadata.namespace ?? ""
        l[podUID] = pod.metadata.uid ?? ""
        return l
    }

    static func labels(pod: CoreV1.Pod, container: String) -> [String: String] {
        [podName: pod.metadata.name ?? "", podNamespace: pod.metadata.namespace ?? "", podUID: pod.metadata.uid ?? "",
         containerName: container]
    }

    static func annotations(container: CoreV1.Container, attempt: UInt32) -> [String: String] {
        [containerHash: hash(container), restartCount: String(attempt)]
    }

    /// Changes when the parts of a container a pod update may change do (its image): kubelet
    /// restarts a running container whose hash no longer matches the spec.
    static func hash(_ container: CoreV1.Container) -> String {
        var h = StableHash.seed
        for part in [container.name ?? "", container.image ?? ""] + (container.command ?? []) + ["\u{0}"] + (container.args ?? []) {
            StableHash.fnv1a(part.utf8, into: &h)
            StableHash.fnv1a([0xff], into: &h)
        }
        return String(h, radix: 16)
    }
}
