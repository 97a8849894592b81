import TugRuntime

/// ContainerConfig ↔ CRI's ContainerConfig / ContainerStatus / ContainerStats, as kubelet maps
/// a pod's container.
enum ContainerMapping {
    static func containerConfig(_ config: ContainerConfig, sandbox: SandboxConfig) -> Runtime_V1_ContainerConfig {
        Runtime_V1_ContainerConfig.with { cri in
            cri.metadata = .with {
                $0.name = config.name
                $0.attempt = config.attempt
            }
            cri.image = .with {
                $0.image = config.image
                $0.userSpecifiedImage = config.image
            }
            // CRI's `command` replaces the image's entrypoint, `args` its cmd: the pod's fields as they are.
            cri.command = config.command
            cri.args = config.args
            cri.workingDir = config.workingDir
            cri.envs = config.env.map { env in .with { $0.key = env.name; $0.value = env.value } }
            cri.mounts = config.mounts.map { mount in
                .with {
                    $0.containerPath = mount.containerPath
                    $0.hostPath = mount.hostPath
                    $0.readonly = mount.readOnly
                    $0.propagation = .propagationPrivate
                }
            }
            cri.labels = config.labels
            cri.annotations = config.annotations
            cri.logPath = config.logPath
            cri.stdin = config.stdin
            cri.stdinOnce = config.stdinOnce
            cri.tty = config.tty
            cri.linux = .with { linux in
                if let resources = config.resources { linux.resources = linuxResources(resources) }
                linux.securityContext = securityContext(config.security, sandbox: sandbox)
            }
        }
    }

    /// cgroup settings; CRI has no per-container pids limit (kubelet sets it on the pod's cgroup).
    static func linuxResources(_ resources: LinuxResources) -> Runtime_V1_LinuxContainerResources {
        .with {
            $0.cpuPeriod = resources.cpuPeriod
            $0.cpuQuota = resources.cpuQuota
            $0.cpuShares = resources.cpuShares
            $0.memoryLimitInBytes = resources.memoryLimitInBytes
            $0.oomScoreAdj = resources.oomScoreAdj
        }
    }

    static func securityContext(_ security: SecurityConfig?, sandbox: SandboxConfig) -> Runtime_V1_LinuxContainerSecurityContext {
        .with { cri in
            cri.namespaceOptions = SandboxMapping.namespaceOptions(sandbox)
            guard let security else { return }
            if let user = security.runAsUser { cri.runAsUser = .with { $0.value = user } }
            if let group = security.runAsGroup { cri.runAsGroup = .with { $0.value = group } }
            cri.supplementalGroups = security.supplementalGroups
            cri.readonlyRootfs = security.readOnlyRootFilesystem
            cri.privileged = security.privileged
            cri.noNewPrivs = security.noNewPrivileges
            if !security.addCapabilities.isEmpty || !security.dropCapabilities.isEmpty {
                cri.capabilities = .with {
                    $0.addCapabilities = security.addCapabilities.map(capabilityName)
                    $0.dropCapabilities = security.dropCapabilities.map(capabilityName)
                }
            }
        }
    }

    /// Kubernetes names capabilities without `CAP_` (`NET_ADMIN`, `ALL`) and containerd adds the
    /// prefix itself, so one given with it is passed without.
    static func capabilityName(_ name: String) -> String {
        let upper = name.uppercased()
        return upper.hasPrefix("CAP_") ? String(upper.dropFirst(4)) : upper
    }

    static func status(_ status: Runtime_V1_ContainerStatus, sandboxID: SandboxID) -> ContainerStatus {
        ContainerStatus(id: status.id, sandboxID: sandboxID, name: status.metadata.name, attempt: status.metadata.attempt,
                        image: status.image.image, imageRef: status.imageRef, state: state(status.state),
                        createdAt: Timestamps.date(nanoseconds: status.createdAt),
                        startedAt: Timestamps.optionalDate(nanoseconds: status.startedAt),
                        finishedAt: Timestamps.optionalDate(nanoseconds: status.finishedAt),
                        exitCode: status.exitCode, reason: status.reason, message: status.message, logPath: status.logPath,
                        labels: status.labels, annotations: status.annotations)
    }

    static func state(_ state: Runtime_V1_ContainerState) -> ContainerStatus.State {
        switch state {
        case .containerCreated: return .created
        case .containerRunning: return .running
        case .containerExited: return .exited
        default: return .unknown
        }
    }

    static func stats(_ stats: Runtime_V1_ContainerStats) -> ContainerStats {
        let nanoseconds = stats.cpu.timestamp > 0 ? stats.cpu.timestamp : stats.memory.timestamp
        return ContainerStats(timestamp: Timestamps.date(nanoseconds: nanoseconds),
                              cpuUsageCoreNanoSeconds: stats.cpu.usageCoreNanoSeconds.value,
                              memoryWorkingSetBytes: stats.memory.workingSetBytes.value,
                              memoryRSSBytes: stats.memory.rssBytes.value)
    }

    static func image(_ image: Runtime_V1_Image) -> ImageInfo {
        ImageInfo(id: image.id, repoTags: image.repoTags, repoDigests: image.repoDigests, size: image.size, pinned: image.pinned)
    }
}
