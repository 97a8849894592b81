/// The pod-level part of what the runtime needs (CRI's PodSandboxConfig).
public struct SandboxConfig: Sendable, Hashable, Codable {
    public var name: String
    public var namespace: String
    public var uid: String
    /// Incremented each time the sandbox is re-created for the same pod.
    public var attempt: UInt32
    public var hostname: String
    /// Where container logs go: `<logDirectory>/<container.logPath>` (kubelet's
    /// `/var/log/pods/<ns>_<name>_<uid>`).
    public var logDirectory: String
    public var dns: DNSConfig?
    public var portMappings: [PortMapping]
    public var labels: [String: String]
    public var annotations: [String: String]
    public var hostNetwork: Bool
    public var hostPID: Bool
    public var hostIPC: Bool
    /// Cgroup parent by QoS class, like kubelet's (`/kubepods/burstable/pod<uid>`); empty for
    /// the runtime's default.
    public var cgroupParent: String
    /// Pod-level resource totals, for runtimes that size the sandbox's cgroup.
    public var resources: LinuxResources?
    public var sysctls: [String: String]

    public init(name: String, namespace: String, uid: String, attempt: UInt32 = 0, hostname: String, logDirectory: String,
                dns: DNSConfig? = nil, portMappings: [PortMapping] = [], labels: [String: String] = [:],
                annotations: [String: String] = [:], hostNetwork: Bool = false, hostPID: Bool = false, hostIPC: Bool = false,
                cgroupParent: String = "", resources: LinuxResources? = nil, sysctls: [String: String] = [:]) {
        self.name = name
        self.namespace = namespace
        self.uid = uid
        self.attempt = attempt
        self.hostname = hostname
        self.logDirectory = logDirectory
        self.dns = dns
        self.portMappings = portMappings
        self.labels = labels
        self.annotations = annotations
        self.hostNetwork = hostNetwork
        self.hostPID = hostPID
        self.hostIPC = hostIPC
        self.cgroupParent = cgroupParent
        self.resources = resources
        self.sysctls = sysctls
    }
}

/// The resolv.conf the pod's containers see.
public struct DNSConfig: Sendable, Hashable, Codable {
    public var servers: [String]
    public var searches: [String]
    public var options: [String]
    public init(servers: [String], searches: [String], options: [String]) {
        self.servers = servers
        self.searches = searches
        self.options = options
    }
}

public struct PortMapping: Sendable, Hashable, Codable {
    public var proto: String   // TCP, UDP, SCTP
    public var containerPort: Int32
    public var hostPort: Int32
    public var hostIP: String
    public init(proto: String, containerPort: Int32, hostPort: Int32, hostIP: String = "") {
        self.proto = proto
        self.containerPort = containerPort
        self.hostPort = hostPort
        self.hostIP = hostIP
    }
}

/// Linux cgroup settings (CRI's LinuxContainerResources); 0 means unset.
public struct LinuxResources: Sendable, Hashable, Codable {
    public var cpuPeriod: Int64
    public var cpuQuota: Int64
    public var cpuShares: Int64
    public var memoryLimitInBytes: Int64
    public var pidsLimit: Int64
    public var oomScoreAdj: Int64
    public init(cpuPeriod: Int64 = 0, cpuQuota: Int64 = 0, cpuShares: Int64 = 0, memoryLimitInBytes: Int64 = 0, pidsLimit: Int64 = 0,
                oomScoreAdj: Int64 = 0) {
        self.cpuPeriod = cpuPeriod
        self.cpuQuota = cpuQuota
        self.cpuShares = cpuShares
        self.memoryLimitInBytes = memoryLimitInBytes
        self.pidsLimit = pidsLimit
        self.oomScoreAdj = oomScoreAdj
    }
}
