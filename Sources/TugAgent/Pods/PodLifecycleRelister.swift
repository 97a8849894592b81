import TugRuntime

/// kubelet's PLEG: one relist of the runtime every `interval` for the whole node. A pod whose
/// sandboxes or containers appeared, disappeared or changed state (or a sandbox its addresses)
/// since the last relist has its worker woken; workers of settled pods otherwise sync only every
/// resync interval, instead of each re-reading the runtime every second.
struct PodLifecycleRelister: Sendable {
    let runtime: any ContainerRuntime
    let interval: Duration
    /// Wakes the worker of the pod with this UID.
    let wake: @Sendable (String) async -> Void

    /// One sandbox or container as a relist saw it.
    struct Seen: Hashable, Sendable {
        var id: String
        var state: String
    }

    /// What a relist saw, by pod UID.
    static func snapshot(sandboxes: [SandboxStatus], containers: [ContainerStatus]) -> [String: Set<Seen>] {
        var podOfSandbox: [SandboxID: String] = [:]
        var seen: [String: Set<Seen>] = [:]
        for sandbox in sandboxes {
            let uid = sandbox.labels[ContainerLabels.podUID] ?? sandbox.uid
            podOfSandbox[sandbox.id] = uid
            // Addresses too: a worker that could not read them (the runtime busy) learns them here.
            seen[uid, default: []].insert(Seen(id: sandbox.id, state: sandbox.state.rawValue + " " + sandbox.ips.joined(separator: ",")))
        }
        for container in containers {
            guard let uid = podOfSandbox[container.sandboxID] else { continue }
            seen[uid, default: []].insert(Seen(id: container.id, state: container.state.rawValue))
        }
        return seen
    }

    /// The pods whose sandboxes or containers differ between two snapshots.
    static func changedPods(from old: [String: Set<Seen>], to new: [String: Set<Seen>]) -> Set<String> {
        var changed: Set<String> = []
        for (uid, now) in new where old[uid] != now { changed.insert(uid) }
        for uid in old.keys where new[uid] == nil { changed.insert(uid) }
        return changed
    }

    func run() async {
        var last: [String: Set<Seen>]?
        while !Task.isCancelled {
            try? await Task.sleep(for: interval)
            // A failed relist (the runtime restarting) is tried again at the next interval.
            guard let sandboxes = try? await runtime.listSandboxes(),
                  let containers = try? await runtime.listContainers(sandbox: nil) else { continue }
            let now = Self.snapshot(sandboxes: sandboxes, containers: containers)
            if let last {
                for uid in Self.changedPods(from: last, to: now) { await wake(uid) }
            }
            last = now
        }
    }
}
