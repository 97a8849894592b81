import Foundation
import TugAPI
import TugRuntime

/// Samples CPU and memory of the node and of every running container every `interval`, and
/// answers the latest figures with CPU as a rate between the last two samples (as cadvisor
/// does for kubelet's summary API). Usage is unknown until a container has two samples.
actor StatsCollector {
    struct Sample {
        var time: Date
        var cpuNanoseconds: UInt64
        var workingSet: UInt64
        var rss: UInt64
    }

    struct Tracked {
        var previous: Sample?
        var latest: Sample
        var name: String
        var pod: StatsSummary.PodReference
    }

    let runtime: any ContainerRuntime
    let nodeName: String
    let interval: Duration
    private var containers: [ContainerID: Tracked] = [:]
    private var node: (previous: Sample?, latest: Sample)?

    init(runtime: any ContainerRuntime, nodeName: String, interval: Duration = .seconds(5)) {
        self.runtime = runtime
        self.nodeName = nodeName
        self.interval = interval
    }

    func run() async {
        while !Task.isCancelled {
            await sample()
            try? await Task.sleep(for: interval)
        }
    }

    func sample() async {
        let now = Date()
        if let n = Self.nodeSample(now) { node = (node?.latest, n) }
        var sandboxes: [SandboxID: SandboxStatus] = [:]
        for sb in (try? await runtime.listSandboxes()) ?? [] { sandboxes[sb.id] = sb }
        var seen = Set<ContainerID>()
        for c in (try? await runtime.listContainers(sandbox: nil)) ?? [] where c.state == .running {
            guard let sb = sandboxes[c.sandboxID], let stats = try? await runtime.containerStats(c.id) else { continue }
            seen.insert(c.id)
            let s = Sample(time: stats.timestamp, cpuNanoseconds: stats.cpuUsageCoreNanoSeconds, workingSet: stats.memoryWorkingSetBytes,
                           rss: stats.memoryRSSBytes)
            let ref = StatsSummary.PodReference(name: sb.name, namespace: sb.namespace, uid: sb.uid)
            containers[c.id] = Tracked(previous: containers[c.id]?.latest, latest: s, name: c.name, pod: ref)
        }
        for id in containers.keys where !seen.contains(id) { containers[id] = nil }
    }

    func summary() -> StatsSummary {
        var pods: [String: StatsSummary.Pod] = [:]
        for (_, t) in containers.sorted(by: { $0.value.name < $1.value.name }) {
            let c = StatsSummary.Container(name: t.name, cpu: Self.cpu(t.previous, t.latest), memory: Self.memory(t.latest))
            var p = pods[t.pod.uid] ?? StatsSummary.Pod(podRef: t.pod, containers: [])
            p.containers.append(c)
            pods[t.pod.uid] = p
        }
        let withTotals = pods.values.map { p -> StatsSummary.Pod in
            var p = p
            let time = p.containers.first?.memory?.time ?? CRILogLine.format(Date())
            let rates = p.containers.compactMap { $0.cpu?.usageNanoCores }
            if rates.count == p.containers.count {
                p.cpu = StatsSummary.CPU(time: time, usageNanoCores: rates.reduce(0, +),
                                         usageCoreNanoSeconds: p.containers.compactMap { $0.cpu?.usageCoreNanoSeconds }.reduce(0, +))
            }
            p.memory = StatsSummary.Memory(time: time, workingSetBytes: p.containers.compactMap { $0.memory?.workingSetBytes }.reduce(0, +),
                                           rssBytes: p.containers.compactMap { $0.memory?.rssBytes }.reduce(0, +))
            return p
        }.sorted { ($0.podRef.namespace, $0.podRef.name) < ($1.podRef.namespace, $1.podRef.name) }
        var nodeStats = StatsSummary.Node(nodeName: nodeName)
        if let n = node {
            nodeStats.cpu = Self.cpu(n.previous, n.latest)
            nodeStats.memory = Self.memory(n.latest)
            nodeStats.memory?.availableBytes = ProcMemInfo.read()?.available
        }
        return StatsSummary(node: nodeStats, pods: withTotals)
    }

    static func cpu(_ previous: Sample?, _ latest: Sample) -> StatsSummary.CPU {
        var rate: UInt64?
        if let p = previous, latest.time > p.time, latest.cpuNanoseconds >= p.cpuNanoseconds {
            rate = UInt64(Double(latest.cpuNanoseconds - p.cpuNanoseconds) / latest.time.timeIntervalSince(p.time))
        }
        return StatsSummary.CPU(time: CRILogLine.format(latest.time), usageNanoCores: rate, usageCoreNanoSeconds: latest.cpuNanoseconds)
    }

    static func memory(_ s: Sample) -> StatsSummary.Memory {
        StatsSummary.Memory(time: CRILogLine.format(s.time), workingSetBytes: s.workingSet, rssBytes: s.rss)
    }

    /// The whole machine: busy CPU time from /proc/stat, memory in use = total - available.
    static func nodeSample(_ now: Date) -> Sample? {
        guard let stat = try? String(contentsOfFile: "/proc/stat", encoding: .utf8),
              let line = stat.split(separator: "\n").first(where: { $0.hasPrefix("cpu ") }) else { return nil }
        let f = line.split(separator: " ", omittingEmptySubsequences: true).dropFirst().compactMap { UInt64($0) }
        guard f.count >= 7 else { return nil }
        // user nice system idle iowait irq softirq steal: idle and iowait are not busy.
        let busy = f[0] + f[1] + f[2] + f[5] + f[6] + (f.count > 7 ? f[7] : 0)
        let tick = UInt64(max(1, sysconf(Int32(_SC_CLK_TCK))))
        let mem = ProcMemInfo.read()
        let used = mem.map { $0.total > $0.available ? $0.total - $0.available : 0 } ?? 0
        return Sample(time: now, cpuNanoseconds: busy * (1_000_000_000 / tick), workingSet: used, rss: used)
    }
}
