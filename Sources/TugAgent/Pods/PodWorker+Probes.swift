import Foundation
import TugAPI
import TugRuntime

extension PodWorker {
    /// One probe worker per probe of each app container (kubelet's prober manager).
    func startProbes() {
        for spec in pod.spec?.containers ?? [] {
            let name = spec.name ?? ""
            for type in ProbeType.allCases {
                guard let worker = ProbeWorker(probeType: type, container: spec, prober: context.prober,
                                               state: { [weak self] in await self?.probeState(name) },
                                               notify: { [weak self] n in await self?.probeNotification(n) }) else { continue }
                probeWorkers.append(worker)
                Task { await worker.start() }
            }
        }
    }

    func stopProbes() {
        let workers = probeWorkers
        probeWorkers = []
        for w in workers { Task { await w.stop() } }
    }

    /// What a probe worker needs to know about container `name` right now.
    func probeState(_ name: String) -> ProbedContainerState? {
        guard let spec = pod.spec?.containers?.first(where: { $0.name == name }) else { return nil }
        let latest = latestByName[name]
        let phase = lastWrittenStatus?.phase ?? pod.status?.phase ?? ""
        let started = latest.map { spec.startupProbe == nil || startupDone[$0.id] == true } ?? false
        return ProbedContainerState(containerID: latest?.id, podIP: podIPs.first ?? context.nodeIP, running: latest?.state == .running,
                                    startedAt: latest?.startedAt, terminated: latest?.state == .exited, started: started,
                                    restartPolicy: restartPolicy, podFinished: phase == "Succeeded" || phase == "Failed" || evicted,
                                    podDeleting: pod.metadata.deletionTimestamp != nil || removed)
    }

    /// A probe verdict: readiness drives Ready; a startup success opens the gate for the other
    /// probes; a liveness or startup failure kills the container, which the restart policy
    /// then restarts, with the Killing event kubelet records.
    func probeNotification(_ n: ProbeNotification) async {
        switch n {
        case .event(let container, _, let e):
            context.event(pod, e, container: container)
        case .result(let update):
            switch update.probeType {
            case .readiness:
                readiness[update.containerID] = update.result == .success
                wake()
            case .startup where update.result == .success:
                startupDone[update.containerID] = true
                wake()
            case .startup, .liveness:
                guard update.result == .failure, latestByName[update.container]?.id == update.containerID,
                      latestByName[update.container]?.state == .running else { return }
                let willRestart = restartPolicy != "Never"
                if let e = ProbeMessages.killing(container: update.container, type: update.probeType, willRestart: willRestart) {
                    context.event(pod, e, container: update.container)
                }
                let grace = update.terminationGracePeriodSeconds.map { Duration.seconds(Int64($0)) } ?? gracePeriod
                try? await context.runtime.stopContainer(update.containerID, timeout: grace)
                wake()
            }
        }
    }
}
