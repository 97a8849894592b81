import Foundation
import TugRuntime

/// SandboxConfig ↔ CRI's PodSandboxConfig / PodSandboxStatus, field for field as kubelet fills them.
enum SandboxMapping {
    static func podSandboxConfig(_ config: SandboxConfig) -> Runtime_V1_PodSandboxConfig {
        Runtime_V1_PodSandboxConfig.with { cri in
            cri.metadata = .with {
                $0.name = config.name
                $0.uid = config.uid
                $0.namespace = config.namespace
                $0.attempt = config.attempt
            }
            cri.hostname = config.hostname
            cri.logDirectory = config.logDirectory
            if let dns = config.dns {
                cri.dnsConfig = .with {
                    $0.servers = dns.servers
                    $0.searches = dns.searches
                    $0.options = dns.options
                }
            }
            cri.portMappings = config.portMappings.map { mapping in
                .with {
                    $0.protocol = protocolValue(mapping.proto)
                    $0.containerPort = mapping.containerPort
                    $0.hostPort = mapping.hostPort
                    $0.hostIp = mapping.hostIP
                }
            }
            cri.labels = config.labels
            cri.annotations = config.annotations
            // Kept with the sandbox so its cgroup folders can be found and removed after it.
            if !config.cgroupParent.isEmpty { cri.annotations[PodCgroups.parentAnnotation] = config.cgroupParent }
            cri.linux = .with { linux in
                linux.cgroupParent = config.cgroupParent
                linux.securityContext = .with { $0.namespaceOptions = namespaceOptions(config) }
                linux.sysctls = config.sysctls
                if let resources = config.resources { linux.resources = ContainerMapping.linuxResources(resources) }
            }
        }
    }

    /// Which namespaces the pod shares with the node; a container's own PID namespace unless
    /// `hostPID` (kubelet's default when the pod does not share its process namespace).
    static func namespaceOptions(_ config: SandboxConfig) -> Runtime_V1_NamespaceOption {
        .with {
            $0.network = config.hostNetwork ? .node : .pod
            $0.pid = config.hostPID ? .node : .container
            $0.ipc = config.hostIPC ? .node : .pod
        }
    }

    /// Kubernetes' protocol names (`TCP`, `UDP`, `SCTP`); anything else is TCP, as kubelet does.
    static func protocolValue(_ name: String) -> Runtime_V1_Protocol {
        switch name.uppercased() {
        case "UDP": return .udp
        case "SCTP": return .sctp
        default: return .tcp
        }
    }

    static func status(_ status: Runtime_V1_PodSandboxStatus) -> SandboxStatus {
        var ips: [String] = []
        if !status.network.ip.isEmpty { ips.append(status.network.ip) }
        ips += status.network.additionalIps.map(\.ip).filter { !$0.isEmpty && $0 != status.network.ip }
        return SandboxStatus(id: status.id, name: status.metadata.name, namespace: status.metadata.namespace,
                             uid: status.metadata.uid, attempt: status.metadata.attempt, state: state(status.state),
                             createdAt: Timestamps.date(nanoseconds: status.createdAt), ips: ips,
                             labels: status.labels, annotations: status.annotations)
    }

    /// A listed sandbox, for when its full status cannot be had (it went away meanwhile).
    static func status(_ sandbox: Runtime_V1_PodSandbox) -> SandboxStatus {
        SandboxStatus(id: sandbox.id, name: sandbox.metadata.name, namespace: sandbox.metadata.namespace,
                      uid: sandbox.metadata.uid, attempt: sandbox.metadata.attempt, state: state(sandbox.state),
                      createdAt: Timestamps.date(nanoseconds: sandbox.createdAt), labels: sandbox.labels,
                      annotations: sandbox.annotations)
    }

    static func state(_ state: Runtime_V1_PodSandboxState) -> SandboxStatus.State {
        state == .sandboxReady ? .ready : .notReady
    }
}

/// CRI's times: nanoseconds since the epoch, 0 for "not yet".
enum Timestamps {
    static func date(nanoseconds: Int64) -> Date {
        Date(timeIntervalSince1970: Double(nanoseconds / 1_000_000_000) + Double(nanoseconds % 1_000_000_000) / 1e9)
    }

    static func optionalDate(nanoseconds: Int64) -> Date? {
        nanoseconds > 0 ? date(nanoseconds: nanoseconds) : nil
    }

    /// A duration in whole seconds, rounded up so a sub-second timeout is not "none" (0).
    static func seconds(_ duration: Duration) -> Int64 {
        let parts = duration.components
        guard parts.seconds >= 0, duration > .zero else { return 0 }
        return parts.seconds + (parts.attoseconds > 0 ? 1 : 0)
    }
}
