import TugAPI
import TugRuntime

/// The container's effective securityContext (container fields over the pod's), as kubelet
/// hands it to the runtime.
enum ContainerSecurity {
    static func config(_ container: CoreV1.Container, pod: CoreV1.Pod) -> SecurityConfig? {
        let c = container.securityContext, p = pod.spec?.securityContext
        guard c != nil || p != nil else { return nil }
        return SecurityConfig(runAsUser: (c?.runAsUser ?? p?.runAsUser).map(Int64.init),
                              runAsGroup: (c?.runAsGroup ?? p?.runAsGroup).map(Int64.init),
                              supplementalGroups: (p?.supplementalGroups ?? []).map(Int64.init),
                              runAsNonRoot: c?.runAsNonRoot ?? p?.runAsNonRoot ?? false,
                              readOnlyRootFilesystem: c?.readOnlyRootFilesystem ?? false, privileged: c?.privileged ?? false,
                              addCapabilities: c?.capabilities?.add ?? [], dropCapabilities: c?.capabilities?.drop ?? [],
                              noNewPrivileges: c?.allowPrivilegeEscalation == false)
    }
}
