import Foundation
import Logging
import TugAPI
import TugClient

/// Pretends to run the pods of hollow nodes. Pods with `restartPolicy: Always` run until
/// deleted; pods with `Never` or `OnFailure` run for `simulate.tugboat.dev/run-seconds`
/// (default 1) and then exit with `simulate.tugboat.dev/exit-code` (default 0), so that Jobs
/// finish: exit 0 makes the pod Succeeded; a non-zero exit makes a `Never` pod Failed and
/// restarts the containers of an `OnFailure` pod (restartCount + 1, run again).
actor HollowPodWorker {
    static let runSecondsAnnotation = "simulate.tugboat.dev/run-seconds"
    static let exitCodeAnnotation = "simulate.tugboat.dev/exit-code"

    let client: APIClient
    let logger: Logger
    private var running: Set<String> = []
    /// One timer per pod that will finish, cancelled when the pod goes away.
    private var timers: [String: Task<Void, Never>] = [:]
    private var nextIP: UInt32 = 0

    init(client: APIClient, logger: Logger) {
        self.client = client
        self.logger = logger
    }

    func forget(_ uid: String) {
        running.remove(uid)
        timers.removeValue(forKey: uid)?.cancel()
    }

    func handle(_ pod: CoreV1.Pod) async {
        let uid = pod.metadata.uid ?? ""
        if pod.metadata.deletionTimestamp != nil {
            forget(uid)
            do {
                try await client.delete(CoreV1.Pod.self, namespace: pod.metadata.namespace, name: pod.metadata.name ?? "",
                                        gracePeriodSeconds: 0, preconditionUID: uid)
            } catch let e as APIError where e.code == 404 || e.code == 409 {
            } catch {
                logger.debug("finishing \(pod.metadata.name ?? ""): \(error)")
            }
            return
        }
        let phase = pod.status?.phase ?? ""
        // A finished pod stays finished; nothing restarts it.
        guard phase != "Succeeded", phase != "Failed", !running.contains(uid) else { return }
        running.insert(uid)
        if phase == "Running" && isReady(pod) {
            // Already running (this simulator restarted): only its end is left to schedule.
            let started = pod.status?.containerStatuses?.compactMap { $0.state?.running?.startedAt?.date }.min() ?? Date()
            scheduleFinish(pod, elapsed: Date().timeIntervalSince(started))
            return
        }
        nextIP &+= 1
        let ip = "10.244.\((nextIP >> 8) & 0xFF).\(nextIP & 0xFF)"
        var p = pod
        p.status = Self.runningStatus(pod, ip: ip, hostIP: "127.0.0.1")
        do {
            let updated = try await client.updateStatus(p)
            if running.contains(uid) { scheduleFinish(updated, elapsed: 0) }
        } catch {
            running.remove(uid)
            logger.debug("status of \(pod.metadata.name ?? ""): \(error)")
        }
    }

    func isReady(_ pod: CoreV1.Pod) -> Bool {
        pod.status?.conditions?.contains { $0.type == "Ready" && $0.status == "True" } == true
    }

    /// Starts the timer after which the pod's containers exit (not for restartPolicy Always).
    func scheduleFinish(_ pod: CoreV1.Pod, elapsed: TimeInterval) {
        let policy = pod.spec?.restartPolicy ?? "Always"
        guard policy == "Never" || policy == "OnFailure" else { return }
        let uid = pod.metadata.uid ?? "", ns = pod.metadata.namespace, name = pod.metadata.name ?? ""
        let (seconds, exitCode) = simulation(pod)
        let delay = max(0, seconds - elapsed)
        timers[uid]?.cancel()
        timers[uid] = Task { [weak self] in
            do { try await Task.sleep(for: .nanoseconds(Int64(delay * 1e9))) } catch { return }
            await self?.finish(uid: uid, namespace: ns, name: name, exitCode: exitCode, restartPolicy: policy)
        }
    }

    func finish(uid: String, namespace: String?, name: String, exitCode: Int, restartPolicy: String) async {
        timers[uid] = nil
        guard running.contains(uid) else { return }
        let restart = exitCode != 0 && restartPolicy == "OnFailure"
        do {
            let updated = try await writeStatus(namespace: namespace, name: name, uid: uid) { pod in
                restart ? Self.restartedStatus(pod, exitCode: exitCode) : Self.finishedStatus(pod, exitCode: exitCode)
            }
            if restart, let updated, running.contains(uid) { scheduleFinish(updated, elapsed: 0) }
        } catch {
            logger.debug("finishing the containers of \(name): \(error)")
        }
    }

    /// Read-modify-write of the pod's status, again on a conflict; nil when the pod is gone or
    /// already being deleted or finished.
    func writeStatus(namespace: String?, name: String, uid: String,
                     _ change: @Sendable (CoreV1.Pod) -> CoreV1.PodStatus) async throws -> CoreV1.Pod? {
        for _ in 0..<5 {
            var pod: CoreV1.Pod
            do { pod = try await client.get(CoreV1.Pod.self, namespace: namespace, name: name) } catch let e as APIError where e.code == 404 {
                return nil
            }
            let phase = pod.status?.phase ?? ""
            guard pod.metadata.uid == uid, pod.metadata.deletionTimestamp == nil, phase != "Succeeded", phase != "Failed" else { return nil }
            pod.status = change(pod)
            do { return try await client.updateStatus(pod) } catch let e as APIError where e.code == 409 { continue }
        }
        return nil
    }

    /// The run time and exit code the pod's annotations ask for; a bad value is reported as a
    /// Warning event on the pod and the default is used.
    func simulation(_ pod: CoreV1.Pod) -> (seconds: Double, exitCode: Int) {
        let annotations = pod.metadata.annotations ?? [:]
        var seconds = 1.0, exitCode = 0
        if let text = annotations[Self.runSecondsAnnotation] {
            if let v = Double(text.trimmingCharacters(in: .whitespaces)), v.isFinite, v >= 0 { seconds = v } else {
                warn(pod, "annotation \(Self.runSecondsAnnotation)=\"\(text)\" is not a number of seconds >= 0 (like 1 or 0.5); running 1 s")
            }
        }
        if let text = annotations[Self.exitCodeAnnotation] {
            if let v = Int(text.trimmingCharacters(in: .whitespaces)), (0...255).contains(v) { exitCode = v } else {
                warn(pod, "annotation \(Self.exitCodeAnnotation)=\"\(text)\" is not an exit code from 0 to 255; exiting with 0")
            }
        }
        return (seconds, exitCode)
    }

    nonisolated func warn(_ pod: CoreV1.Pod, _ message: String) {
        logger.warning("pod \(pod.metadata.namespace ?? "")/\(pod.metadata.name ?? ""): \(message)")
        let client = self.client
        Task { await Events.record(client: client, regarding: pod, type: "Warning", reason: "InvalidSimulation", message: message, component: "kubelet") }
    }

    static func runningStatus(_ pod: CoreV1.Pod, ip: String, hostIP: String) -> CoreV1.PodStatus {
        let now = Time.now()
        var s = pod.status ?? CoreV1.PodStatus()
        s.phase = "Running"
        s.podIP = ip
        s.podIPs = [CoreV1.PodIP(ip: ip)]
        s.hostIP = hostIP
        s.hostIPs = [CoreV1.HostIP(ip: hostIP)]
        s.startTime = s.startTime ?? now
        s.conditions = conditions(s.conditions, ready: true, reason: nil, now: now)
        s.containerStatuses = (pod.spec?.containers ?? []).map { c in
            var st = CoreV1.ContainerStatus()
            st.name = c.name
            st.image = c.image
            st.imageID = "simulated://\(c.image ?? "")"
            st.containerID = "simulated://\(pod.metadata.uid ?? "")/\(c.name ?? "")"
            st.ready = true
            st.started = true
            st.restartCount = 0
            st.state = CoreV1.ContainerState(running: CoreV1.ContainerStateRunning(startedAt: now))
            return st
        }
        return s
    }

    /// Every container exited with `exitCode`: Succeeded (all 0) or Failed, not ready any more.
    static func finishedStatus(_ pod: CoreV1.Pod, exitCode: Int) -> CoreV1.PodStatus {
        let now = Time.now()
        var s = pod.status ?? CoreV1.PodStatus()
        s.phase = exitCode == 0 ? "Succeeded" : "Failed"
        s.conditions = conditions(s.conditions, ready: false, reason: "PodCompleted", now: now)
        s.containerStatuses = s.containerStatuses?.map { st in
            var st = st
            st.state = CoreV1.ContainerState(terminated: terminated(st, exitCode: exitCode, now: now))
            st.ready = false
            st.started = false
            return st
        }
        return s
    }

    /// OnFailure: the containers exited non-zero and run again at once (restartCount + 1).
    static func restartedStatus(_ pod: CoreV1.Pod, exitCode: Int) -> CoreV1.PodStatus {
        let now = Time.now()
        var s = pod.status ?? CoreV1.PodStatus()
        s.containerStatuses = s.containerStatuses?.map { st in
            var st = st
            st.lastState = CoreV1.ContainerState(terminated: terminated(st, exitCode: exitCode, now: now))
            st.restartCount = (st.restartCount ?? 0) + 1
            st.state = CoreV1.ContainerState(running: CoreV1.ContainerStateRunning(startedAt: now))
            return st
        }
        return s
    }

    static func terminated(_ st: CoreV1.ContainerStatus, exitCode: Int, now: Time) -> CoreV1.ContainerStateTerminated {
        CoreV1.ContainerStateTerminated(exitCode: exitCode, reason: exitCode == 0 ? "Completed" : "Error",
                                        startedAt: st.state?.running?.startedAt, finishedAt: now, containerID: st.containerID)
    }

    /// The kubelet's pod conditions: all True while running; once finished the sandbox is gone
    /// and the pod is no longer ready (reason PodCompleted).
    static func conditions(_ old: [CoreV1.PodCondition]?, ready: Bool, reason: String?, now: Time) -> [CoreV1.PodCondition] {
        let types = ["PodReadyToStartContainers", "Initialized", "ContainersReady", "Ready"]
        var result = (old ?? []).filter { !types.contains($0.type ?? "") }
        for type in types {
            let up = ready || type == "Initialized"
            let previous = old?.first { $0.type == type }
            let status = up ? "True" : "False"
            let since = previous?.status == status ? previous?.lastTransitionTime ?? now : now
            result.append(CoreV1.PodCondition(type: type, status: status, lastTransitionTime: since,
                                              reason: up || type == "PodReadyToStartContainers" ? nil : reason))
        }
        return result
    }
}
