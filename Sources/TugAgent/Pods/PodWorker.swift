import Foundation
import Logging
import TugAPI
import TugClient
import TugRuntime

/// Runs one pod on this node, as kubelet's pod worker: a sandbox, init containers in order,
/// then the app containers, restarted as the restart policy says with CrashLoopBackOff, and
/// the pod's status written back whenever it changes. Wakes on pod updates and re-reads the
/// runtime every `relistInterval`. Deletion runs `terminate`, after which the worker ends.
actor PodWorker {
    let uid: String
    let context: AgentContext
    var pod: CoreV1.Pod
    /// The pod is gone from the API (deleted with grace 0 or by someone else).
    private(set) var removed = false
    private(set) var finished = false
    /// Evicted: the Failed status is final, and no sync may write over it.
    var evicted = false
    var sandbox: SandboxID?
    /// The finished pod's sandbox has been stopped.
    var sandboxStopped = false
    /// The sandbox's IPs (the node's for host-network pods and runtimes without pod networks).
    var podIPs: [String] = []
    private var sandboxAttempt: UInt32 = 0
    /// The NetworkNotReady Event is recorded once per wait, not on every pass.
    private var announcedNetworkWait = false
    var lastWrittenStatus: CoreV1.PodStatus?
    /// Why a container is waiting, by name: it could not be created or started, or it is in
    /// CrashLoopBackOff. Cleared when it starts.
    var waitingReasons: [String: (reason: String, message: String)] = [:]
    /// Probe verdicts by container ID (a new instance starts over).
    var readiness: [ContainerID: Bool] = [:]
    var startupDone: [ContainerID: Bool] = [:]
    /// The newest runtime instance of each container by name, as of the last sync: what the
    /// probe workers ask about.
    var latestByName: [String: TugRuntime.ContainerStatus] = [:]
    /// The exited instance before it, kept for `kubectl logs --previous`.
    var previousByName: [String: TugRuntime.ContainerStatus] = [:]
    var probeWorkers: [ProbeWorker] = []
    /// The pod's volumes, set up before its sandbox and refreshed every `volumeRefresh`.
    var volumes: PodVolumes?
    var mounted: [String: MountedVolume] = [:]
    var lastVolumeRefresh = ContinuousClock.now
    static let volumeRefresh: Duration = .seconds(10)
    // Wake-up plumbing: a pending flag plus one waiter.
    private var pendingWake = false
    private var waiter: CheckedContinuation<Void, Never>?
    private var waitGeneration = 0
    /// The last sync left nothing to retry: every container is running or has exited (a
    /// back-off wakes the worker itself). Such a pod waits for the relist, its pod or a probe
    /// to wake it, or the resync; any other re-reads the runtime every relist interval.
    private var settled = false
    /// This sync could not read the sandbox's addresses (the runtime busy or restarting): the
    /// last known ones were used, and the pod is not settled until a read succeeds.
    private var addressesUnknown = false

    init(pod: CoreV1.Pod, context: AgentContext, recoveredSandbox: SandboxStatus?) {
        self.uid = pod.metadata.uid ?? ""
        self.pod = pod
        self.context = context
        if let sb = recoveredSandbox {
            sandbox = sb.id
            sandboxAttempt = sb.attempt
        }
    }

    // MARK: Inputs

    func update(_ newer: CoreV1.Pod) {
        if Self.isNewer(pod, than: newer) { return wake() }
        // The watch echoing the status this worker wrote changes nothing a sync reads: no sync.
        let echo = lastWrittenStatus != nil && newer.status == lastWrittenStatus && newer.spec == pod.spec
            && newer.metadata.deletionTimestamp == pod.metadata.deletionTimestamp && newer.metadata.labels == pod.metadata.labels
            && newer.metadata.annotations == pod.metadata.annotations
        pod = newer
        if !echo { wake() }
    }

    func podRemoved() {
        removed = true
        wake()
    }

    /// The API answered 404 for this pod: it is gone, and the worker only cleans up.
    func podRemovedQuietly() {
        removed = true
        pendingWake = true
    }

    func wake() {
        if let w = waiter {
            waiter = nil
            w.resume()
        } else {
            pendingWake = true
        }
    }

    private func waitForWake(_ timeout: Duration) async {
        if pendingWake {
            pendingWake = false
            return
        }
        waitGeneration += 1
        let generation = waitGeneration
        let timer = Task { [weak self] in
            try? await Task.sleep(for: timeout)
            await self?.timerFired(generation)
        }
        await withTaskCancellationHandler {
            await withCheckedContinuation { waiter = $0 }
        } onCancel: {
            Task { await self.wake() }
        }
        timer.cancel()
    }

    private func timerFired(_ generation: Int) {
        if generation == waitGeneration { wake() }
    }

    // MARK: Loop

    func run() async {
        startProbes()
        defer { stopProbes() }
        while !finished && !Task.isCancelled {
            do {
                try await syncOnce()
            } catch {
                context.logger.warning("pod \(podKey): \(error)")
            }
            if finished { break }
            await waitForWake(settled ? context.resyncInterval : context.relistInterval)
        }
    }

    var podKey: String { "\(pod.metadata.namespace ?? "")/\(pod.metadata.name ?? "")" }
    var identity: PodIdentity { PodIdentity(name: pod.metadata.name ?? "", namespace: pod.metadata.namespace ?? "", uid: uid) }
    var restartPolicy: String { pod.spec?.restartPolicy ?? "Always" }

    func syncOnce() async throws {
        settled = false
        addressesUnknown = false
        if removed || pod.metadata.deletionTimestamp != nil {
            await terminate()
            finished = true
            return
        }
        let phase = lastWrittenStatus?.phase ?? pod.status?.phase ?? ""
        if phase == "Succeeded" || phase == "Failed" || evicted {
            // A finished pod's containers stay stopped until it is deleted (once is enough).
            if let sb = sandbox, !sandboxStopped {
                try? await context.runtime.stopSandbox(sb)
                sandboxStopped = true
            }
            settled = true
            return
        }
        let sandboxConfig = PodSandboxSpec.config(pod, attempt: sandboxAttempt, paths: context.paths)
        guard let sb = try await ensureSandbox(sandboxConfig) else { return }
        podIPs = try await sandboxIPs(sb)
        let all = try await context.runtime.listContainers(sandbox: sb)
        var initViews = views(for: pod.spec?.initContainers ?? [], all)
        var appViews = views(for: pod.spec?.containers ?? [], all)

        if try await runInitContainers(&initViews, sandbox: sb, config: sandboxConfig) {
            try await runAppContainers(&appViews, sandbox: sb, config: sandboxConfig)
        }
        let fresh = try await context.runtime.listContainers(sandbox: sb)
        initViews = views(for: pod.spec?.initContainers ?? [], fresh)
        appViews = views(for: pod.spec?.containers ?? [], fresh)
        let builder = PodStatusBuilder(pod: pod, runtimeName: runtimeScheme, nodeIP: context.nodeIP, podIPs: podIPs,
                                       sandboxReady: true, initContainers: initViews, containers: appViews)
        let built = builder.build()
        // An eviction may have happened while this pass waited on the runtime.
        if evicted { return }
        try await writeStatus(built)
        settled = !addressesUnknown && (initViews + appViews).allSatisfy { $0.latest?.state == .running || $0.latest?.state == .exited }
            && waitingReasons.values.allSatisfy { $0.reason == RestartBackoff.BackOff.reason }
        if built.phase == "Succeeded" || built.phase == "Failed" {
            // kubelet stops a finished pod's sandbox; its logs stay until the pod is deleted.
            try? await context.runtime.stopSandbox(sb)
            sandboxStopped = true
        }
    }

    var runtimeScheme: String { context.runtimeName }

    /// The running sandbox, made (again) when missing or dead; a new sandbox means every
    /// container starts over, as in kubelet.
    func ensureSandbox(_ config: SandboxConfig) async throws -> SandboxID? {
        if let sb = sandbox {
            // Any error but notFound (the runtime unavailable) ends this sync: the next one asks
            // again rather than replacing a sandbox that may be fine, with new addresses.
            do {
                if try await context.runtime.sandboxStatus(sb).state == .ready {
                    await refreshVolumes()
                    return sb
                }
            } catch RuntimeError.notFound {
                // Gone: made again below.
            }
            // Not ready, or gone.
            try? await context.runtime.stopSandbox(sb)
            try? await context.runtime.removeSandbox(sb)
            sandbox = nil
            // The next sandbox gets its own addresses; the old ones are gone with this one.
            podIPs = []
            sandboxAttempt += 1
        }
        do {
            let v = volumes ?? context.preparation.volumes(for: pod)
            volumes = v
            mounted = try await v.setUp(pod)
            lastVolumeRefresh = .now
        } catch {
            context.event(pod, "Warning", "FailedMount", "\(error)")
            try await writeWaiting(reason: "ContainerCreating", message: nil)
            return nil
        }
        if pod.spec?.hostNetwork != true && context.capabilities.podNetworking && !context.network.isReady {
            if !announcedNetworkWait {
                announcedNetworkWait = true
                context.event(pod, "Warning", "NetworkNotReady",
                              "network is not ready: container runtime network not ready: NetworkReady=false reason:NetworkPluginNotReady "
                                + "message:the node's pod network is not set up yet (no pod CIDR)")
            }
            try await writeWaiting(reason: "ContainerCreating", message: nil)
            return nil
        }
        var config = config
        config.attempt = sandboxAttempt
        let dns = context.dns.config(for: pod)
        config.dns = dns.config
        for warning in dns.warnings { context.event(pod, "Warning", "DNSConfigForming", warning) }
        do {
            let id = try await context.runtime.runSandbox(config)
            sandbox = id
            return id
        } catch {
            context.event(pod, "Warning", "FailedCreatePodSandBox", "Failed to create pod sandbox: \(error)")
            await removeFailedSandboxes()
            try await writeWaiting(reason: "ContainerCreating", message: nil)
            return nil
        }
    }

    /// After a failed RunPodSandbox, as kubelet: containerd may keep the half-made sandbox (not
    /// ready, its name reserved) so that its network can be torn down; stop and remove it, and
    /// make the next try a new attempt, which has a name of its own.
    func removeFailedSandboxes() async {
        sandboxAttempt += 1
        guard let uid = pod.metadata.uid, let all = try? await context.runtime.listSandboxes() else { return }
        for leftover in all where leftover.uid == uid && leftover.state != .ready {
            try? await context.runtime.stopSandbox(leftover.id)
            try? await context.runtime.removeSandbox(leftover.id)
        }
    }

    /// ConfigMap, Secret and downward API files follow their sources (kubelet resyncs them
    /// about once a minute; we do it every `volumeRefresh`). A recovered pod sets its volumes
    /// up again first, which rewrites only what changed.
    func refreshVolumes() async {
        guard ContinuousClock.now - lastVolumeRefresh >= Self.volumeRefresh || volumes == nil else { return }
        lastVolumeRefresh = .now
        let v = volumes ?? context.preparation.volumes(for: pod)
        do {
            if volumes == nil {
                volumes = v
                mounted = try await v.setUp(pod)
            } else {
                _ = try await v.update(pod)
            }
        } catch {
            context.event(pod, "Warning", "FailedMount", "\(error)")
        }
    }

    func sandboxIPs(_ sb: SandboxID) async throws -> [String] {
        if pod.spec?.hostNetwork == true || !context.capabilities.podNetworking { return [context.nodeIP] }
        // A pod with its own network has only the addresses its sandbox reports: a failed or
        // empty lookup (the runtime busy or restarting) keeps the last known ones, never the node's.
        guard let ips = (try? await context.runtime.sandboxStatus(sb))?.ips, !ips.isEmpty else {
            addressesUnknown = true
            return podIPs
        }
        return ips
    }

    /// Newest and previous runtime instance per container name, with probe results and the
    /// reason it waits, if any.
    func views(for specs: [CoreV1.Container], _ all: [TugRuntime.ContainerStatus]) -> [ContainerView] {
        specs.map { spec in
            let name = spec.name ?? ""
            let mine = all.filter { $0.labels[ContainerLabels.containerName] == name }.sorted { $0.attempt > $1.attempt }
            var v = ContainerView(latest: mine.first, previous: mine.dropFirst().first)
            latestByName[name] = mine.first
            previousByName[name] = mine.dropFirst().first
            if let latest = v.latest, latest.state == .running {
                v.ready = spec.readinessProbe == nil ? true : readiness[latest.id] ?? false
                v.started = spec.startupProbe == nil ? true : startupDone[latest.id] ?? false
            } else {
                v.waiting = waitingReasons[name]
            }
            return v
        }
    }
}
