import Foundation
import TugAPI
import TugClient
import TugRuntime

/// Turns a pod's spec into what the runtime is given: the pod's volumes on disk, and per
/// container its environment, command line and mounts.
struct PodPreparation: Sendable {
    let paths: AgentPaths
    /// The runtime has no images, whose config would supply PATH; containers get a standard one.
    let runtimeHasImages: Bool
    static let defaultPath = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"

    /// Sets up (or refreshes) the pod's volumes before its containers start.
    func prepareVolumes(_ pod: CoreV1.Pod) async throws {
        try FileManager.default.createDirectory(atPath: paths.podDirectory(uid: pod.metadata.uid ?? ""), withIntermediateDirectories: true)
    }

    func containerConfig(for container: CoreV1.Container, in pod: CoreV1.Pod, attempt: UInt32, podIPs: [String]) async throws -> ContainerConfig {
        var env = (container.env ?? []).compactMap { v in v.value.map { TugRuntime.EnvVar(v.name ?? "", $0) } }
        env = runtimeDefaults(pod) + env
        return ContainerConfig(name: container.name ?? "", attempt: attempt, image: container.image ?? "", command: container.command ?? [],
                               args: container.args ?? [], workingDir: container.workingDir ?? "", env: env,
                               logPath: AgentPaths.containerLogPath(container: container.name ?? "", attempt: attempt),
                               stdin: container.stdin ?? false, stdinOnce: container.stdinOnce ?? false, tty: container.tty ?? false,
                               labels: ContainerLabels.labels(pod: pod, container: container.name ?? ""),
                               annotations: ContainerLabels.annotations(container: container, attempt: attempt),
                               resources: ContainerResources.linux(container))
    }

    /// What container runtimes put in every container's environment: HOSTNAME (the pod's
    /// hostname) and, without images, PATH.
    func runtimeDefaults(_ pod: CoreV1.Pod) -> [TugRuntime.EnvVar] {
        var env = [TugRuntime.EnvVar("HOSTNAME", PodSandboxSpec.hostname(pod))]
        if !runtimeHasImages { env.insert(TugRuntime.EnvVar("PATH", Self.defaultPath), at: 0) }
        return env
    }

    /// Removes what `prepareVolumes` made, once the pod's containers are gone.
    func cleanUp(podUID: String) async {
        try? FileManager.default.removeItem(atPath: paths.podDirectory(uid: podUID))
    }
}
