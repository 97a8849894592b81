import TugRuntime

extension CRIRuntime {
    public func createContainer(in sandbox: SandboxID, _ config: ContainerConfig, sandboxConfig: SandboxConfig) async throws -> ContainerID {
        if let security = config.security, security.runAsNonRoot {
            try await verifyRunsAsNonRoot(config, security: security)
        }
        var podSandboxConfig = SandboxMapping.podSandboxConfig(sandboxConfig)
        if config.security?.privileged == true {
            // containerd refuses a privileged container unless the request's sandbox config is
            // privileged too (kubelet marks the whole pod so when any container is); the flag is
            // only checked here, the running sandbox is unaffected.
            podSandboxConfig.linux.securityContext.privileged = true
        }
        let request = Runtime_V1_CreateContainerRequest.with {
            $0.podSandboxID = sandbox
            $0.config = ContainerMapping.containerConfig(config, sandbox: sandboxConfig)
            $0.sandboxConfig = podSandboxConfig
        }
        do {
            return try await call("CreateContainer", subject: "of container \(config.name)") {
                try await runtimeService.createContainer(request, options: options())
            }.containerID
        } catch RuntimeError.failed(let message) where !message.contains(socketPath) {
            // The runtime refused this configuration (missing image, bad mount, ...): the pod shows
            // it as CreateContainerError rather than retrying silently.
            throw RuntimeError.invalidConfig(message)
        }
    }

    public func startContainer(_ id: ContainerID) async throws {
        _ = try await call("StartContainer", subject: "container \(id)") {
            try await runtimeService.startContainer(.with { $0.containerID = id }, options: options())
        }
    }

    /// CRI takes the grace period in whole seconds; the call itself may take that long plus the
    /// request timeout. Stopping a container that is gone succeeds.
    public func stopContainer(_ id: ContainerID, timeout: Duration) async throws {
        let seconds = Timestamps.seconds(timeout)
        try await callIgnoringNotFound("StopContainer", subject: "container \(id)") {
            _ = try await runtimeService.stopContainer(.with {
                $0.containerID = id
                $0.timeout = seconds
            }, options: options(extra: .seconds(seconds)))
        }
    }

    public func removeContainer(_ id: ContainerID) async throws {
        try await callIgnoringNotFound("RemoveContainer", subject: "container \(id)") {
            _ = try await runtimeService.removeContainer(.with { $0.containerID = id }, options: options())
        }
    }

    public func containerStatus(_ id: ContainerID) async throws -> ContainerStatus {
        // ContainerStatus does not name the sandbox: one filtered list call does.
        let listed = try await call("ListContainers", subject: "container \(id)") {
            try await runtimeService.listContainers(.with { $0.filter = .with { $0.id = id } }, options: options())
        }.containers.first
        let response = try await call("ContainerStatus", subject: "container \(id)") {
            try await runtimeService.containerStatus(.with { $0.containerID = id }, options: options())
        }
        guard response.hasStatus else { throw RuntimeError.notFound("container \(id): the runtime returned no status") }
        return ContainerMapping.status(response.status, sandboxID: listed?.podSandboxID ?? "")
    }

    /// Lists, then asks each container's full status (exit code, reason, times), as kubelet's
    /// relist does; a container removed in between is left out.
    public func listContainers(sandbox: SandboxID?) async throws -> [ContainerStatus] {
        let request = Runtime_V1_ListContainersRequest.with {
            if let sandbox { $0.filter = .with { $0.podSandboxID = sandbox } }
        }
        let containers = try await call("ListContainers") {
            try await runtimeService.listContainers(request, options: options())
        }.containers
        var statuses: [ContainerStatus] = []
        statuses.reserveCapacity(containers.count)
        for container in containers {
            do {
                let response = try await call("ContainerStatus", subject: "container \(container.id)") {
                    try await runtimeService.containerStatus(.with { $0.containerID = container.id }, options: options())
                }
                guard response.hasStatus else { continue }
                statuses.append(ContainerMapping.status(response.status, sandboxID: container.podSandboxID))
            } catch RuntimeError.notFound {
                continue
            }
        }
        return statuses
    }

    public func containerStats(_ id: ContainerID) async throws -> ContainerStats {
        let response = try await call("ContainerStats", subject: "container \(id)") {
            try await runtimeService.containerStats(.with { $0.containerID = id }, options: options())
        }
        guard response.hasStats else { throw RuntimeError.notFound("container \(id): the runtime returned no stats") }
        return ContainerMapping.stats(response.stats)
    }

    /// `runAsNonRoot` is kubelet's check, not the runtime's: the configured user, else the
    /// image's, must be a numeric non-zero uid.
    func verifyRunsAsNonRoot(_ config: ContainerConfig, security: SecurityConfig) async throws {
        if let user = security.runAsUser {
            if user == 0 {
                throw RuntimeError.invalidConfig("container's runAsUser breaks non-root policy (container: \(config.name))")
            }
            return
        }
        let response = try await call("ImageStatus", subject: "image \(config.image)") {
            try await imageService.imageStatus(.with { $0.image = .with { $0.image = config.image } }, options: options())
        }
        guard response.hasImage else {
            throw RuntimeError.invalidConfig("cannot verify runAsNonRoot: image \(config.image) is not on the node (container: \(config.name))")
        }
        let image = response.image
        if image.hasUid {
            if image.uid.value == 0 {
                throw RuntimeError.invalidConfig("container has runAsNonRoot and image will run as root (container: \(config.name))")
            }
        } else if !image.username.isEmpty {
            throw RuntimeError.invalidConfig("container has runAsNonRoot and image has non-numeric user (\(image.username)), cannot verify user is non-root (container: \(config.name))")
        } else {
            throw RuntimeError.invalidConfig("container has runAsNonRoot and image will run as root (container: \(config.name))")
        }
    }
}
