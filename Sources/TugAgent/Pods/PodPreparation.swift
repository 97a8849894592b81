import Foundation
import Logging
import TugAPI
import TugClient
import TugRuntime

/// Turns a pod's spec into what the runtime is given: the pod's volumes on disk, and per
/// container its environment, command line and mounts, as kubelet builds them.
struct PodPreparation: Sendable {
    let paths: AgentPaths
    let source: any PodConfigSource
    let nodeName: String
    let nodeIP: String
    /// Limits default to these in resourceFieldRef values (kubelet uses node allocatable).
    let nodeAllocatable: [String: Quantity]
    /// The runtime has no images, whose config would supply PATH; containers get a standard one.
    let runtimeHasImages: Bool
    let logger: Logger
    static let defaultPath = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"

    /// The volume manager of one pod (its folder under the agent's pods directory).
    func volumes(for pod: CoreV1.Pod) -> PodVolumes {
        PodVolumes(podDirectory: paths.podDirectory(uid: pod.metadata.uid ?? ""), source: source, nodeAllocatable: nodeAllocatable,
                   logger: logger)
    }

    /// The runtime config of one container instance; throws `ContainerConfigError` (kubelet's
    /// CreateContainerConfigError) when a referenced ConfigMap, Secret or key is missing or a
    /// mount cannot be made. Warnings (skipped keys) go to `warn`.
    func containerConfig(for container: CoreV1.Container, in pod: CoreV1.Pod, attempt: UInt32, podIPs: [String],
                         volumes: [String: MountedVolume], warn: (ConfigWarning) -> Void) async throws -> ContainerConfig {
        let context = PodEnvironmentContext(nodeName: nodeName, hostIPs: [nodeIP], podIPs: podIPs, nodeAllocatable: nodeAllocatable)
        let environment = try await ContainerEnvironment.build(pod: pod, container: container, context: context, source: source)
        environment.warnings.forEach(warn)
        let defined = Set(environment.variables.map(\.name))
        let env = runtimeDefaults(pod).filter { !defined.contains($0.name) } + environment.variables
        let line = ContainerCommandLine(container: container, env: environment.variables)
        let mounts = try ContainerMounts.make(for: container, volumes: volumes, env: environment.variables)
        return ContainerConfig(name: container.name ?? "", attempt: attempt, image: container.image ?? "", command: line.command,
                               args: line.args, workingDir: container.workingDir ?? "", env: env, mounts: mounts,
                               logPath: AgentPaths.containerLogPath(container: container.name ?? "", attempt: attempt),
                               stdin: container.stdin ?? false, stdinOnce: container.stdinOnce ?? false, tty: container.tty ?? false,
                               labels: ContainerLabels.labels(pod: pod, container: container.name ?? ""),
                               annotations: ContainerLabels.annotations(container: container, attempt: attempt),
                               resources: ContainerResources.linux(container), security: ContainerSecurity.config(container, pod: pod))
    }

    /// What container runtimes put in every container's environment: HOSTNAME (the pod's
    /// hostname) and, without images, PATH.
    func runtimeDefaults(_ pod: CoreV1.Pod) -> [TugRuntime.EnvVar] {
        var env = [TugRuntime.EnvVar("HOSTNAME", PodSandboxSpec.hostname(pod))]
        if !runtimeHasImages { env.insert(TugRuntime.EnvVar("PATH", Self.defaultPath), at: 0) }
        return env
    }

    /// Removes the pod's volumes (unmounting tmpfs ones) and its folder, once its containers are gone.
    func cleanUp(podUID: String) async {
        let dir = paths.podDirectory(uid: podUID)
        let volumes = PodVolumes(podDirectory: dir, source: source, logger: logger)
        do { try await volumes.tearDown() } catch { logger.warning("removing the volumes of pod \(podUID): \(error)") }
        try? FileManager.default.removeItem(atPath: dir)
    }
}
