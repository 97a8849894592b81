import TugRuntime

extension CRIRuntime {
    public func runSandbox(_ config: SandboxConfig) async throws -> SandboxID {
        let request = Runtime_V1_RunPodSandboxRequest.with { $0.config = SandboxMapping.podSandboxConfig(config) }
        // Sandbox creation includes CNI setup and may pull the pause image: kubelet gives it the
        // ordinary request timeout too.
        return try await call("RunPodSandbox", subject: "of pod \(config.namespace)/\(config.name)") {
            try await runtimeService.runPodSandbox(request, options: options())
        }.podSandboxID
    }

    /// Idempotent: a sandbox already stopped or gone is fine.
    public func stopSandbox(_ id: SandboxID) async throws {
        try await callIgnoringNotFound("StopPodSandbox", subject: "sandbox \(id)") {
            _ = try await runtimeService.stopPodSandbox(.with { $0.podSandboxID = id }, options: options())
        }
    }

    /// Idempotent: removing a sandbox that is gone succeeds, as kubelet expects.
    /// containerd leaves the pod's cgroup folders behind; they go after the sandbox, as kubelet
    /// removes them.
    public func removeSandbox(_ id: SandboxID) async throws {
        let parent = (try? await sandboxStatus(id))?.annotations[PodCgroups.parentAnnotation]
        try await callIgnoringNotFound("RemovePodSandbox", subject: "sandbox \(id)") {
            _ = try await runtimeService.removePodSandbox(.with { $0.podSandboxID = id }, options: options())
        }
        if let parent { PodCgroups.remove(parent: parent, logger: logger) }
    }

    public func sandboxStatus(_ id: SandboxID) async throws -> SandboxStatus {
        let response = try await call("PodSandboxStatus", subject: "sandbox \(id)") {
            try await runtimeService.podSandboxStatus(.with { $0.podSandboxID = id }, options: options())
        }
        guard response.hasStatus else { throw RuntimeError.notFound("sandbox \(id): the runtime returned no status") }
        return SandboxMapping.status(response.status)
    }

    /// Lists, then asks each sandbox's status for its IPs (the list has none), as kubelet's relist
    /// does; one that vanished in between is reported from the list.
    public func listSandboxes() async throws -> [SandboxStatus] {
        let items = try await call("ListPodSandbox") {
            try await runtimeService.listPodSandbox(Runtime_V1_ListPodSandboxRequest(), options: options())
        }.items
        var statuses: [SandboxStatus] = []
        statuses.reserveCapacity(items.count)
        for item in items {
            do {
                statuses.append(try await sandboxStatus(item.id))
            } catch RuntimeError.notFound {
                statuses.append(SandboxMapping.status(item))
            }
        }
        return statuses
    }
}
