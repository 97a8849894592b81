import Foundation
import Logging
import TugAPI
import TugRuntime

/// Node-pressure eviction, as kubelet's hard threshold `memory.available<100Mi`: while the
/// node's available memory is under the threshold it reports MemoryPressure and evicts one
/// pod per pass — BestEffort first, then Burstable pods using more than they requested, then
/// the rest, each group by memory use — until memory recovers.
struct EvictionManager: Sendable {
    /// Reads the node's available memory in bytes (MemAvailable by default).
    typealias MemoryReader = @Sendable () async -> Int64?

    let manager: PodManager
    let runtime: any ContainerRuntime
    let thresholdBytes: Int64
    let interval: Duration
    let readAvailable: MemoryReader
    let pressure: NodePressure
    let logger: Logger

    func run() async {
        while !Task.isCancelled {
            await pass()
            try? await Task.sleep(for: interval)
        }
    }

    /// One observation; evicts at most one pod.
    func pass() async {
        guard let available = await readAvailable() else { return }
        let underPressure = available < thresholdBytes
        await pressure.set(memory: underPressure)
        guard underPressure else { return }
        var candidates: [(rank: Int, usage: Int64, worker: PodWorker, pod: CoreV1.Pod, top: (String, Int64)?)] = []
        for worker in await manager.allWorkers() {
            guard let (pod, sandbox) = await worker.evictionView(), let sb = sandbox else { continue }
            let containers = (try? await runtime.listContainers(sandbox: sb)) ?? []
            var usage: Int64 = 0
            var top: (String, Int64)?
            for c in containers where c.state == .running {
                let bytes = Int64((try? await runtime.containerStats(c.id))?.memoryWorkingSetBytes ?? 0)
                usage += bytes
                if bytes > (top?.1 ?? -1) { top = (c.name, bytes) }
            }
            candidates.append((Self.rank(pod, usage: usage), usage, worker, pod, top))
        }
        guard let victim = candidates.sorted(by: { $0.rank != $1.rank ? $0.rank < $1.rank : $0.usage > $1.usage }).first else { return }
        let requests = Self.memoryRequests(victim.pod)
        var message = "The node was low on resource: memory. Threshold quantity: \(Self.format(thresholdBytes)), available: \(Self.format(available)). "
        if let (name, bytes) = victim.top {
            message += "Container \(name) was using \(Self.format(bytes)), request is \(requests[name].map(Self.format) ?? "0"), has larger consumption of memory. "
        }
        logger.warning("evicting pod \(victim.pod.metadata.namespace ?? "")/\(victim.pod.metadata.name ?? ""): \(message)")
        await victim.worker.evict(message: message)
    }

    /// 0: BestEffort; 1: Burstable using more memory than requested; 2: everything else.
    static func rank(_ pod: CoreV1.Pod, usage: Int64) -> Int {
        switch pod.status?.qosClass ?? "BestEffort" {
        case "BestEffort": return 0
        case "Burstable":
            let requested = memoryRequests(pod).values.reduce(0, +)
            return usage > requested ? 1 : 2
        default: return 2
        }
    }

    static func memoryRequests(_ pod: CoreV1.Pod) -> [String: Int64] {
        var out: [String: Int64] = [:]
        for c in pod.spec?.containers ?? [] {
            if let q = c.resources?.requests?["memory"] ?? c.resources?.limits?["memory"] { out[c.name ?? ""] = q.value }
        }
        return out
    }

    /// Bytes the way kubelet's messages show quantities (`100Mi`, `5392Ki`).
    static func format(_ bytes: Int64) -> String {
        if bytes % (1 << 20) == 0 { return "\(bytes >> 20)Mi" }
        return "\(bytes / 1024)Ki"
    }

    /// MemAvailable from /proc/meminfo.
    static func memAvailable() -> Int64? { ProcMemInfo.read().map { Int64($0.available) } }
}

/// The node conditions the agent's observations drive; read when the Node's status is written.
actor NodePressure {
    private(set) var memory = false
    private var changed: (@Sendable () async -> Void)?

    func onChange(_ f: @escaping @Sendable () async -> Void) { changed = f }

    func set(memory: Bool) async {
        guard memory != self.memory else { return }
        self.memory = memory
        await changed?()
    }
}
