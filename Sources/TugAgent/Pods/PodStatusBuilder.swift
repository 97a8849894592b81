import Foundation
import TugAPI
import TugRuntime

/// What the worker knows about one container of the pod: its newest and previous runtime
/// instances, a waiting reason it owes the user (a create error, CrashLoopBackOff), and the
/// probe results.
struct ContainerView: Sendable {
    var latest: TugRuntime.ContainerStatus?
    var previous: TugRuntime.ContainerStatus?
    var waiting: (reason: String, message: String)?
    var ready = false
    var started = false
}

/// The pod's status from its containers' state, as kubelet's `generateAPIPodStatus`: phase,
/// conditions, container statuses (state, lastState, restartCount, ready, started) and IPs.
struct PodStatusBuilder {
    var pod: CoreV1.Pod
    var runtimeName: String
    var nodeIP: String
    var podIPs: [String]
    var sandboxReady: Bool
    var initContainers: [ContainerView]
    var containers: [ContainerView]
    var now: Time = .now()

    var initialized: Bool {
        let specs = pod.spec?.initContainers ?? []
        for (i, view) in initContainers.enumerated() {
            if i < specs.count, specs[i].restartPolicy == "Always" {
                if view.latest?.state != .running || !view.started { return false }
                continue
            }
            guard let latest = view.latest, latest.state == .exited, latest.exitCode == 0 else { return false }
        }
        return true
    }

    func build() -> CoreV1.PodStatus {
        var s = pod.status ?? CoreV1.PodStatus()
        let phase = self.phase()
        s.phase = phase
        s.hostIP = nodeIP
        s.hostIPs = [CoreV1.HostIP(ip: nodeIP)]
        if !podIPs.isEmpty {
            s.podIP = podIPs[0]
            s.podIPs = podIPs.map { CoreV1.PodIP(ip: $0) }
        }
        s.startTime = s.startTime ?? now
        let specs = pod.spec?.containers ?? [], initSpecs = pod.spec?.initContainers ?? []
        let initDone = initialized
        s.initContainerStatuses = initSpecs.isEmpty ? nil : zip(initSpecs, initContainers).map {
            containerStatus($0, $1, pendingReason: "PodInitializing", previousStatuses: pod.status?.initContainerStatuses)
        }
        s.containerStatuses = zip(specs, containers).map {
            containerStatus($0, $1, pendingReason: initDone ? "ContainerCreating" : "PodInitializing",
                            previousStatuses: pod.status?.containerStatuses)
        }
        s.conditions = conditions(phase: phase, initDone: initDone, statuses: s.containerStatuses ?? [])
        return s
    }

    /// kubelet's `getPhase`.
    func phase() -> String {
        let policy = pod.spec?.restartPolicy ?? "Always"
        if !initialized {
            let specs = pod.spec?.initContainers ?? []
            for (i, view) in initContainers.enumerated() where i < specs.count && specs[i].restartPolicy != "Always" {
                if let l = view.latest, l.state == .exited, l.exitCode != 0, policy == "Never" { return "Failed" }
            }
            return "Pending"
        }
        var running = 0, waiting = 0, stopped = 0, succeeded = 0
        for view in containers {
            switch view.latest?.state {
            case .running?: running += 1
            case .exited?:
                stopped += 1
                if view.latest?.exitCode == 0 { succeeded += 1 }
            case .created?, .unknown?, nil:
                // A container that never ran keeps the pod Pending; one waiting to be restarted
                // after running counts as stopped.
                if view.latest == nil { waiting += 1 } else { stopped += 1 }
            }
        }
        if waiting > 0 { return "Pending" }
        if running > 0 { return "Running" }
        if stopped > 0 {
            if policy == "Always" { return "Running" }
            if policy == "OnFailure" && succeeded < stopped { return "Running" }
            return succeeded == stopped ? "Succeeded" : "Failed"
        }
        return "Pending"
    }

    func containerStatus(_ spec: CoreV1.Container, _ view: ContainerView, pendingReason: String,
                         previousStatuses: [CoreV1.ContainerStatus]?) -> CoreV1.ContainerStatus {
        var st = CoreV1.ContainerStatus()
        st.name = spec.name
        st.image = spec.image
        st.imageID = view.latest?.imageRef ?? ""
        st.restartCount = Int(view.latest?.attempt ?? 0)
        st.ready = false
        st.started = false
        if let latest = view.latest { st.containerID = "\(runtimeName)://\(latest.id)" }
        switch view.latest?.state {
        case .running?:
            st.state = CoreV1.ContainerState(running: CoreV1.ContainerStateRunning(startedAt: view.latest?.startedAt.map(Time.init)))
            st.lastState = view.previous.map { CoreV1.ContainerState(terminated: terminated($0)) }
            st.ready = view.ready
            st.started = view.started
        case .exited?:
            if let waiting = view.waiting {
                st.state = CoreV1.ContainerState(waiting: CoreV1.ContainerStateWaiting(reason: waiting.reason, message: waiting.message))
                st.lastState = CoreV1.ContainerState(terminated: terminated(view.latest!))
            } else {
                st.state = CoreV1.ContainerState(terminated: terminated(view.latest!))
                st.lastState = view.previous.map { CoreV1.ContainerState(terminated: terminated($0)) }
            }
        case .created?, .unknown?, nil:
            let w = view.waiting ?? (reason: pendingReason, message: "")
            st.state = CoreV1.ContainerState(waiting: CoreV1.ContainerStateWaiting(reason: w.reason, message: w.message.isEmpty ? nil : w.message))
            st.lastState = view.previous.map { CoreV1.ContainerState(terminated: terminated($0)) }
        }
        if st.lastState == nil { st.lastState = CoreV1.ContainerState() }
        return st
    }

    func terminated(_ c: TugRuntime.ContainerStatus) -> CoreV1.ContainerStateTerminated {
        let reason = c.reason.isEmpty ? (c.exitCode == 0 ? "Completed" : "Error") : c.reason
        return CoreV1.ContainerStateTerminated(exitCode: Int(c.exitCode), reason: reason, message: c.message.isEmpty ? nil : c.message,
                                               startedAt: c.startedAt.map(Time.init), finishedAt: c.finishedAt.map(Time.init),
                                               containerID: "\(runtimeName)://\(c.id)")
    }

    /// kubelet's four conditions; others (PodScheduled, DisruptionTarget) are kept as they are.
    func conditions(phase: String, initDone: Bool, statuses: [CoreV1.ContainerStatus]) -> [CoreV1.PodCondition] {
        let old = pod.status?.conditions ?? []
        let mine = ["PodReadyToStartContainers", "Initialized", "ContainersReady", "Ready"]
        var result = old.filter { !mine.contains($0.type ?? "") }
        func add(_ type: String, _ ok: Bool, _ reason: String?, _ message: String?) {
            let previous = old.first { $0.type == type }
            let status = ok ? "True" : "False"
            let since = previous?.status == status ? previous?.lastTransitionTime ?? now : now
            result.append(CoreV1.PodCondition(type: type, status: status, lastTransitionTime: since, reason: ok ? nil : reason,
                                              message: ok ? nil : message))
        }
        let terminal = phase == "Succeeded" || phase == "Failed"
        add("PodReadyToStartContainers", sandboxReady && !terminal, nil, nil)
        let pendingInit = zip(pod.spec?.initContainers ?? [], initContainers).filter { spec, view in
            spec.restartPolicy == "Always" ? !(view.latest?.state == .running && view.started)
                : !(view.latest?.state == .exited && view.latest?.exitCode == 0)
        }.map { $0.0.name ?? "" }
        add("Initialized", initDone || (terminal && pendingInit.isEmpty), "ContainersNotInitialized",
            "containers with incomplete status: [\(pendingInit.joined(separator: " "))]")
        let unready = statuses.filter { $0.ready != true }.map { $0.name ?? "" }
        if terminal {
            add("ContainersReady", false, "PodCompleted", nil)
            add("Ready", false, "PodCompleted", nil)
        } else {
            let message = "containers with unready status: [\(unready.joined(separator: " "))]"
            add("ContainersReady", unready.isEmpty, "ContainersNotReady", message)
            let gates = (pod.spec?.readinessGates ?? []).compactMap(\.conditionType)
            let missingGates = gates.filter { g in !old.contains { $0.type == g && $0.status == "True" } }
            if !unready.isEmpty {
                add("Ready", false, "ContainersNotReady", message)
            } else {
                add("Ready", missingGates.isEmpty, "ReadinessGatesNotReady",
                    "corresponding condition of pod readiness gate \"\(missingGates.first ?? "")\" does not exist.")
            }
        }
        return result
    }
}
