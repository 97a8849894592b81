/// One container to create in a sandbox (CRI's ContainerConfig). The agent has already
/// resolved everything Kubernetes-specific: env values, `$(VAR)` expansion, volume host paths.
public struct ContainerConfig: Sendable, Hashable, Codable {
    public var name: String
    /// Incremented on each restart of the container (the pod's restartCount).
    public var attempt: UInt32
    public var image: String
    /// Overrides the image's entrypoint when non-empty (the pod's `command`).
    public var command: [String]
    /// Overrides the image's cmd when non-empty (the pod's `args`).
    public var args: [String]
    public var workingDir: String
    public var env: [EnvVar]
    public var mounts: [Mount]
    /// Relative to the sandbox's log directory: `<container>/<attempt>.log`.
    public var logPath: String
    public var stdin: Bool
    public var stdinOnce: Bool
    public var tty: Bool
    public var labels: [String: String]
    public var annotations: [String: String]
    public var resources: LinuxResources?
    public var security: SecurityConfig?

    public init(name: String, attempt: UInt32 = 0, image: String, command: [String] = [], args: [String] = [], workingDir: String = "",
                env: [EnvVar] = [], mounts: [Mount] = [], logPath: String, stdin: Bool = false, stdinOnce: Bool = false, tty: Bool = false,
                labels: [String: String] = [:], annotations: [String: String] = [:], resources: LinuxResources? = nil,
                security: SecurityConfig? = nil) {
        self.name = name
        self.attempt = attempt
        self.image = image
        self.command = command
        self.args = args
        self.workingDir = workingDir
        self.env = env
        self.mounts = mounts
        self.logPath = logPath
        self.stdin = stdin
        self.stdinOnce = stdinOnce
        self.tty = tty
        self.labels = labels
        self.annotations = annotations
        self.resources = resources
        self.security = security
    }
}

public struct EnvVar: Sendable, Hashable, Codable {
    public var name: String
    public var value: String
    public init(_ name: String, _ value: String) {
        self.name = name
        self.value = value
    }
}

/// A host path made visible at `containerPath`.
public struct Mount: Sendable, Hashable, Codable {
    public var containerPath: String
    public var hostPath: String
    public var readOnly: Bool
    public init(containerPath: String, hostPath: String, readOnly: Bool = false) {
        self.containerPath = containerPath
        self.hostPath = hostPath
        self.readOnly = readOnly
    }
}

/// The securityContext fields a runtime applies (CRI's LinuxContainerSecurityContext).
public struct SecurityConfig: Sendable, Hashable, Codable {
    public var runAsUser: Int64?
    public var runAsGroup: Int64?
    public var supplementalGroups: [Int64]
    public var runAsNonRoot: Bool
    public var readOnlyRootFilesystem: Bool
    public var privileged: Bool
    public var addCapabilities: [String]
    public var dropCapabilities: [String]
    public var noNewPrivileges: Bool
    public init(runAsUser: Int64? = nil, runAsGroup: Int64? = nil, supplementalGroups: [Int64] = [], runAsNonRoot: Bool = false,
                readOnlyRootFilesystem: Bool = false, privileged: Bool = false, addCapabilities: [String] = [],
                dropCapabilities: [String] = [], noNewPrivileges: Bool = false) {
        self.runAsUser = runAsUser
        self.runAsGroup = runAsGroup
        self.supplementalGroups = supplementalGroups
        self.runAsNonRoot = runAsNonRoot
        self.readOnlyRootFilesystem = readOnlyRootFilesystem
        self.privileged = privileged
        self.addCapabilities = addCapabilities
        self.dropCapabilities = dropCapabilities
        self.noNewPrivileges = noNewPrivileges
    }
}
