import Foundation
import TugAPI
import TugRuntime

/// One `PodWorker` per pod bound to this node: pod events go to the pod's worker, a new pod
/// gets one (adopting its sandbox when the runtime still has it from before an agent
/// restart), and sandboxes no pod claims are torn down.
actor PodManager {
    let context: AgentContext
    private var workers: [String: PodWorker] = [:]
    private var tasks: [String: Task<Void, Never>] = [:]
    /// Sandboxes found at startup, by pod UID, waiting for their pods.
    private var recovered: [String: SandboxStatus] = [:]

    init(context: AgentContext) {
        self.context = context
    }

    var count: Int { workers.count }

    /// Reads what the runtime runs from before this agent started.
    func recover() async {
        do {
            for sb in try await context.runtime.listSandboxes() {
                let uid = sb.labels[ContainerLabels.podUID] ?? sb.uid
                if let existing = recovered[uid], existing.attempt > sb.attempt { continue }
                recovered[uid] = sb
            }
            if !recovered.isEmpty { context.logger.info("recovered \(recovered.count) pod sandbox(es) from the runtime") }
        } catch {
            context.logger.warning("listing the runtime's sandboxes: \(error)")
        }
    }

    func update(_ pod: CoreV1.Pod) async {
        let uid = pod.metadata.uid ?? ""
        if let w = workers[uid] {
            await w.update(pod)
            return
        }
        // A finished pod this agent never ran (or ran before a restart and already cleaned up)
        // has nothing to do until it is deleted.
        let phase = pod.status?.phase ?? ""
        if (phase == "Succeeded" || phase == "Failed") && recovered[uid] == nil && pod.metadata.deletionTimestamp == nil { return }
        let worker = PodWorker(pod: pod, context: context, recoveredSandbox: recovered.removeValue(forKey: uid))
        workers[uid] = worker
        tasks[uid] = Task {
            await worker.run()
            self.workerFinished(uid)
        }
    }

    /// The relist saw this pod's containers change.
    func wake(uid: String) async {
        await workers[uid]?.wake()
    }

    func removed(_ pod: CoreV1.Pod) async {
        let uid = pod.metadata.uid ?? ""
        if let w = workers[uid] {
            await w.podRemoved()
        } else if let sb = recovered.removeValue(forKey: uid) {
            await tearDown(sb)
        }
    }

    private func workerFinished(_ uid: String) {
        workers[uid] = nil
        tasks[uid] = nil
    }

    /// The agent is stopping: workers stop, the pods' containers keep running (a restarted
    /// agent adopts them).
    func shutdown() async {
        let running = tasks.values
        for t in running { t.cancel() }
        for t in running { await t.value }
    }

    /// After the first full list: recovered sandboxes whose pods no longer exist are removed.
    func removeOrphans() async {
        let orphans = recovered
        recovered = [:]
        for (_, sb) in orphans { await tearDown(sb) }
    }

    private func tearDown(_ sb: SandboxStatus) async {
        context.logger.info("removing sandbox of pod \(sb.namespace)/\(sb.name), which no longer exists")
        try? await context.runtime.stopSandbox(sb.id)
        try? await context.runtime.removeSandbox(sb.id)
        await context.preparation.cleanUp(podUID: sb.uid)
        try? FileManager.default.removeItem(atPath: context.paths.podLogDirectory(namespace: sb.namespace, name: sb.name, uid: sb.uid))
    }

    func allWorkers() -> [PodWorker] { Array(workers.values) }

    /// The worker of a pod by name, for streaming.
    func worker(namespace: String, name: String) async -> PodWorker? {
        for w in workers.values {
            let pod = await w.pod
            let gone = await w.removed
            if pod.metadata.namespace == namespace && pod.metadata.name == name && !gone { return w }
        }
        return nil
    }

    /// The worker of a pod, for streaming and probes.
    func worker(uid: String) -> PodWorker? { workers[uid] }
}
