import Foundation
import TugAPI
import TugClient
import TugRuntime

extension PodWorker {
    /// Init containers one at a time, each to a successful exit (sidecars, restartPolicy
    /// Always, only to running). Returns true once all are done and app containers may start.
    func runInitContainers(_ views: inout [ContainerView], sandbox sb: SandboxID, config: SandboxConfig) async throws -> Bool {
        let specs = pod.spec?.initContainers ?? []
        for (i, spec) in specs.enumerated() {
            let view = views[i]
            let sidecar = spec.restartPolicy == "Always"
            switch view.latest?.state {
            case nil:
                await start(spec, initContainer: true, attempt: 0, sandbox: sb, config: config, view: &views[i])
                return false
            case .created?, .unknown?:
                return false
            case .running?:
                if sidecar && view.started { continue }
                return false
            case .exited?:
                guard let latest = view.latest else { return false }
                if !sidecar && latest.exitCode == 0 { continue }
                if !sidecar && restartPolicy == "Never" { return false }
                await restart(spec, latest: latest, initContainer: true, sandbox: sb, config: config, view: &views[i])
                if !sidecar { return false }
            }
        }
        return true
    }

    func runAppContainers(_ views: inout [ContainerView], sandbox sb: SandboxID, config: SandboxConfig) async throws {
        for (i, spec) in (pod.spec?.containers ?? []).enumerated() {
            let view = views[i]
            switch view.latest?.state {
            case nil:
                await start(spec, initContainer: false, attempt: 0, sandbox: sb, config: config, view: &views[i])
            case .running?:
                if let latest = view.latest, latest.annotations[ContainerLabels.containerHash] != ContainerLabels.hash(spec) {
                    // The pod's update changed this container (its image): kubelet replaces it.
                    context.event(pod, "Normal", "Killing", "Container \(spec.name ?? "") definition changed, will be restarted",
                                  container: spec.name)
                    try? await context.runtime.stopContainer(latest.id, timeout: gracePeriod)
                }
            case .exited?:
                guard let latest = view.latest else { continue }
                let again = restartPolicy == "Always" || (restartPolicy == "OnFailure" && latest.exitCode != 0)
                if again { await restart(spec, latest: latest, initContainer: false, sandbox: sb, config: config, view: &views[i]) }
            case .created?, .unknown?:
                break
            }
        }
    }

    var gracePeriod: Duration { .seconds(Int64(pod.spec?.terminationGracePeriodSeconds ?? 30)) }

    /// Starts the next instance of an exited container unless CrashLoopBackOff says wait.
    func restart(_ spec: CoreV1.Container, latest: TugRuntime.ContainerStatus, initContainer: Bool, sandbox sb: SandboxID,
                 config: SandboxConfig, view: inout ContainerView) async {
        let name = spec.name ?? ""
        let key = RestartBackoff.Key(pod: identity, container: name, specHash: ContainerLabels.hash(spec))
        switch await context.backoff.check(key, finishedAt: latest.finishedAt ?? Date()) {
        case .backOff(let wait):
            if waitingReasons[name]?.reason != RestartBackoff.BackOff.reason {
                context.event(pod, wait.event.type, wait.event.reason, wait.event.message, container: name, initContainer: initContainer)
            }
            waitingReasons[name] = (reason: RestartBackoff.BackOff.reason, message: wait.message)
            view.waiting = waitingReasons[name]
            // Come back when the back-off ends rather than at the next relist.
            wake(after: wait.remaining)
        case .restart:
            // kubelet keeps the newest exited instance (for `logs --previous`) and removes older ones.
            if let older = view.previous { try? await context.runtime.removeContainer(older.id) }
            await start(spec, initContainer: initContainer, attempt: latest.attempt + 1, sandbox: sb, config: config, view: &view)
        }
    }

    /// Creates and starts one container instance, with kubelet's Events; a failure becomes the
    /// container's waiting reason (CreateContainerConfigError, CreateContainerError, RunContainerError).
    func start(_ spec: CoreV1.Container, initContainer: Bool, attempt: UInt32, sandbox sb: SandboxID, config: SandboxConfig,
               view: inout ContainerView) async {
        let name = spec.name ?? ""
        let image = spec.image ?? ""
        if context.capabilities.runsImages {
            let outcome = await ensureImage(spec, initContainer: initContainer)
            if case .waiting(let reason, let message, let retryAfter) = outcome {
                waitingReasons[name] = (reason: reason, message: message)
                view.waiting = waitingReasons[name]
                if let retryAfter { wake(after: retryAfter) }
                return
            }
        }
        let containerConfig: ContainerConfig
        do {
            let pod = self.pod, context = self.context
            containerConfig = try await context.preparation.containerConfig(for: spec, in: pod, attempt: attempt, podIPs: podIPs,
                                                                            volumes: mounted) { warning in
                context.event(pod, "Warning", warning.reason, warning.message, container: name, initContainer: initContainer)
            }
        } catch {
            fail(name, "CreateContainerConfigError", "\(error)", initContainer: initContainer, view: &view)
            return
        }
        let id: ContainerID
        do {
            id = try await context.runtime.createContainer(in: sb, containerConfig, sandboxConfig: config)
        } catch {
            fail(name, "CreateContainerError", "\(error)", initContainer: initContainer, view: &view)
            return
        }
        context.event(pod, "Normal", "Created", "Created container: \(name)", container: name, initContainer: initContainer)
        do {
            try await context.runtime.startContainer(id)
        } catch {
            fail(name, "RunContainerError", "\(error)", initContainer: initContainer, view: &view)
            return
        }
        waitingReasons[name] = nil
        view.waiting = nil
        context.event(pod, "Normal", "Started", "Started container \(name)", container: name, initContainer: initContainer)
        if let hook = spec.lifecycle?.postStart {
            let (_, event) = await context.hooks.runPostStart(hook, pod: identity, podIP: podIPs.first ?? context.nodeIP, container: spec,
                                                              containerID: id)
            if let event {
                // kubelet kills a container whose postStart hook failed; the restart policy decides what follows.
                context.event(pod, event, container: name)
                context.event(pod, "Normal", "Killing", "FailedPostStartHook", container: name, initContainer: initContainer)
                try? await context.runtime.stopContainer(id, timeout: gracePeriod)
            }
        }
    }

    /// The container's image on the node, pulled as its policy says with the pod's pull secrets.
    private func ensureImage(_ spec: CoreV1.Container, initContainer: Bool) async -> ImagePuller.Outcome {
        let pod = self.pod, context = self.context, name = spec.name ?? ""
        let record: @Sendable (ImagePuller.Event) -> Void = { e in
            context.event(pod, e.type, e.reason, e.message, container: name, initContainer: initContainer)
        }
        return await context.images.ensure(spec.image ?? "", policy: spec.imagePullPolicy ?? "IfNotPresent", podUID: uid,
                                           credentials: { try await Self.pullCredentials(of: pod, context: context) }, events: record)
    }

    /// The pod's `imagePullSecrets`; a missing one is skipped with a Warning, as kubelet does.
    static func pullCredentials(of pod: CoreV1.Pod, context: AgentContext) async throws -> RegistryCredentials {
        var secrets: [CoreV1.Secret] = []
        var missing: [String] = []
        for reference in pod.spec?.imagePullSecrets ?? [] {
            guard let name = reference.name, !name.isEmpty else { continue }
            if let secret = try await context.preparation.source.secret(namespace: pod.metadata.namespace ?? "default", name: name) {
                secrets.append(secret)
            } else {
                missing.append(name)
            }
        }
        if !missing.isEmpty {
            context.event(pod, "Warning", "FailedToRetrieveImagePullSecret",
                          "Unable to retrieve some image pull secrets (\(missing.joined(separator: ", "))); attempting to pull the image may not succeed.")
        }
        return try RegistryCredentials(secrets: secrets)
    }

    /// Wakes this worker after `delay` (a back-off ending) rather than at the next relist.
    func wake(after delay: Duration) {
        Task { [weak self] in
            try? await Task.sleep(for: delay)
            await self?.wake()
        }
    }

    private func fail(_ name: String, _ reason: String, _ message: String, initContainer: Bool, view: inout ContainerView) {
        // Warn once per reason, not on every retry.
        if waitingReasons[name]?.message != message {
            context.event(pod, "Warning", "Failed", "Error: \(message)", container: name, initContainer: initContainer)
        }
        waitingReasons[name] = (reason: reason, message: message)
        view.waiting = waitingReasons[name]
    }
}
