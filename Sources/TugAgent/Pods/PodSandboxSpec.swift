import Foundation
import TugAPI
import TugRuntime

/// The sandbox config for a pod: hostname as Kubernetes derives it, logs folder, QoS cgroup
/// parent, host namespaces and port mappings.
enum PodSandboxSpec {
    static func config(_ pod: CoreV1.Pod, attempt: UInt32, paths: AgentPaths) -> SandboxConfig {
        let spec = pod.spec ?? CoreV1.PodSpec()
        let name = pod.metadata.name ?? "", ns = pod.metadata.namespace ?? "default", uid = pod.metadata.uid ?? ""
        let ports = (spec.containers ?? []).flatMap { $0.ports ?? [] }.compactMap { p -> PortMapping? in
            guard let host = p.hostPort, host > 0 else { return nil }
            return PortMapping(proto: p.`protocol` ?? "TCP", containerPort: Int32(p.containerPort ?? 0), hostPort: Int32(host), hostIP: p.hostIP ?? "")
        }
        return SandboxConfig(name: name, namespace: ns, uid: uid, attempt: attempt, hostname: hostname(pod),
                             logDirectory: paths.podLogDirectory(namespace: ns, name: name, uid: uid), portMappings: ports,
                             labels: ContainerLabels.sandboxLabels(pod), annotations: pod.metadata.annotations ?? [:],
                             hostNetwork: spec.hostNetwork ?? false, hostPID: spec.hostPID ?? false, hostIPC: spec.hostIPC ?? false,
                             cgroupParent: cgroupParent(pod))
    }

    /// `spec.hostname` or the pod's name, cut to 63 characters without a trailing `-` or `.`.
    static func hostname(_ pod: CoreV1.Pod) -> String {
        var h = pod.spec?.hostname ?? pod.metadata.name ?? ""
        if h.count > 63 {
            h = String(h.prefix(63))
            while let last = h.last, last == "-" || last == "." { h.removeLast() }
        }
        return h
    }

    /// kubelet's cgroupfs layout, from each hierarchy's root: `/kubepods/pod<uid>` for Guaranteed, `/kubepods/burstable/…`,
    /// `/kubepods/besteffort/…`.
    static func cgroupParent(_ pod: CoreV1.Pod) -> String {
        let uid = pod.metadata.uid ?? ""
        switch pod.status?.qosClass ?? "BestEffort" {
        case "Guaranteed": return "/kubepods/pod\(uid)"
        case "Burstable": return "/kubepods/burstable/pod\(uid)"
        default: return "/kubepods/besteffort/pod\(uid)"
        }
    }
}
