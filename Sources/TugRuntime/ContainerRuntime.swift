/// What the node agent drives: CRI's shape (pod sandboxes holding containers), so that the
/// process runtime, containerd over CRI and the simulated runtime are interchangeable and the
/// agent never knows which one it has. Every call is idempotent where CRI's is (stopping a
/// stopped container or removing a removed sandbox succeeds).
public protocol ContainerRuntime: Sendable {
    /// Name and version as the Node shows them in `status.nodeInfo.containerRuntimeVersion`
    /// (`process://1.0`, `containerd://1.6.20`).
    func version() async throws -> RuntimeVersion
    var capabilities: RuntimeCapabilities { get }

    // MARK: Pod sandboxes

    /// Creates and starts the pod's sandbox (network, shared namespaces, cgroup parent).
    func runSandbox(_ config: SandboxConfig) async throws -> SandboxID
    /// Stops every container of the sandbox (killing what still runs) and tears down its network.
    func stopSandbox(_ id: SandboxID) async throws
    /// Removes a stopped sandbox with its containers and their state.
    func removeSandbox(_ id: SandboxID) async throws
    func sandboxStatus(_ id: SandboxID) async throws -> SandboxStatus
    /// Every sandbox this runtime knows, ready or not: what an agent restart recovers from.
    func listSandboxes() async throws -> [SandboxStatus]

    // MARK: Containers

    func createContainer(in sandbox: SandboxID, _ config: ContainerConfig, sandboxConfig: SandboxConfig) async throws -> ContainerID
    func startContainer(_ id: ContainerID) async throws
    /// SIGTERM (or the image's stop signal), then SIGKILL once `timeout` has passed.
    func stopContainer(_ id: ContainerID, timeout: Duration) async throws
    func removeContainer(_ id: ContainerID) async throws
    func containerStatus(_ id: ContainerID) async throws -> ContainerStatus
    /// Containers of one sandbox, or of all sandboxes when `sandbox` is nil.
    func listContainers(sandbox: SandboxID?) async throws -> [ContainerStatus]

    // MARK: Images

    /// Pulls the image and returns its reference (image ID). Runtimes without images return
    /// the name unchanged.
    func pullImage(_ image: String, auth: ImageAuth?) async throws -> String
    /// The image when present on the node, else nil.
    func imageStatus(_ image: String) async throws -> ImageInfo?

    // MARK: Streaming and stats

    /// Runs a command in the container and collects its output (exec probes, hooks).
    func execSync(_ id: ContainerID, command: [String], timeout: Duration) async throws -> ExecResult
    /// Runs a command in the container wired to the caller's streams (`kubectl exec`);
    /// returns the exit code.
    func exec(_ id: ContainerID, command: [String], streams: ExecStreams) async throws -> Int32
    /// Wires the caller's streams to the container's main process (`kubectl attach`); returns
    /// when the container exits or the caller's stdin ends.
    func attach(_ id: ContainerID, streams: ExecStreams) async throws
    /// Opens a TCP connection to `port` in the sandbox's network (`kubectl port-forward`).
    func portForward(_ sandbox: SandboxID, port: UInt16) async throws -> any ByteConnection
    func containerStats(_ id: ContainerID) async throws -> ContainerStats
}

public typealias SandboxID = String
public typealias ContainerID = String

public struct RuntimeVersion: Sendable, Hashable {
    public var runtimeName: String
    public var runtimeVersion: String
    public init(runtimeName: String, runtimeVersion: String) {
        self.runtimeName = runtimeName
        self.runtimeVersion = runtimeVersion
    }
    /// `name://version`, as kubelet reports it.
    public var nodeInfoString: String { "\(runtimeName)://\(runtimeVersion)" }
}

/// What a runtime can and cannot do; the agent uses it to fail clearly instead of guessing.
public struct RuntimeCapabilities: Sendable, Hashable {
    /// Images exist: without them a container needs an explicit `command` or `args`.
    public var runsImages: Bool
    /// Each sandbox has its own network namespace and IP (else pods share the host network).
    public var podNetworking: Bool
    /// CPU and memory limits are enforced (cgroups).
    public var enforcesLimits: Bool
    public init(runsImages: Bool, podNetworking: Bool, enforcesLimits: Bool) {
        self.runsImages = runsImages
        self.podNetworking = podNetworking
        self.enforcesLimits = enforcesLimits
    }
}

/// Errors every runtime reports the same way, so the agent can tell a missing object from a
/// failure.
public enum RuntimeError: Error, Sendable, Hashable, CustomStringConvertible {
    case notFound(String)
    /// The container cannot be created as configured; the message says why and is shown to the
    /// user as the container's waiting reason `CreateContainerConfigError` / `CreateContainerError`.
    case invalidConfig(String)
    case imagePull(String)
    case failed(String)

    public var description: String {
        switch self {
        case .notFound(let s): return "not found: \(s)"
        case .invalidConfig(let s): return s
        case .imagePull(let s): return s
        case .failed(let s): return s
        }
    }
}
