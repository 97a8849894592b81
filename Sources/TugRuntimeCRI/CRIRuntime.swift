import GRPCCore
import GRPCNIOTransportHTTP2
import Logging
import TugRuntime

/// Runs pods as real containers through a CRI v1 runtime (containerd) over gRPC on its unix
/// socket. Sandbox and container IDs are the runtime's own; all state lives in the runtime, so
/// a new `CRIRuntime` over the same socket sees everything an earlier one created.
///
/// Exec, attach and port-forward go through the runtime's streaming server (the URL returned by
/// the Exec/Attach/PortForward calls, on loopback), dialled as a WebSocket with Kubernetes'
/// channel protocol: see `RemoteCommandSession` and `PortForwardConnection`.
public final class CRIRuntime: ContainerRuntime {
    /// The socket path the runtime was created for (without `unix://`).
    public let socketPath: String
    /// How long one ordinary CRI call may take (kubelet's `--runtime-request-timeout` default).
    public let requestTimeout: Duration
    let logger: Logger
    let client: GRPCClient<HTTP2ClientTransport.Posix>
    let runtimeService: Runtime_V1_RuntimeService.Client<HTTP2ClientTransport.Posix>
    let imageService: Runtime_V1_ImageService.Client<HTTP2ClientTransport.Posix>
    private let connections: Task<Void, Never>

    /// Largest CRI message accepted either way (kubelet allows 16 MiB: ExecSync output, long lists).
    static let maxMessageBytes = 16 << 20

    /// Connects lazily to the CRI endpoint: `unix:///run/containerd/containerd.sock` or a plain
    /// absolute socket path. Nothing is dialled until the first call; `version()` checks that
    /// the runtime answers.
    public init(endpoint: String, requestTimeout: Duration = .seconds(120),
                logger: Logger = Logger(label: "tug.runtime.cri")) throws {
        self.socketPath = try Self.socketPath(of: endpoint)
        self.requestTimeout = requestTimeout
        self.logger = logger
        let transport: HTTP2ClientTransport.Posix
        do {
            transport = try HTTP2ClientTransport.Posix(target: .unixDomainSocket(path: socketPath), transportSecurity: .plaintext)
        } catch {
            throw RuntimeError.invalidConfig("cannot use the CRI endpoint \(endpoint): \(error)")
        }
        let client = GRPCClient(transport: transport)
        self.client = client
        self.runtimeService = Runtime_V1_RuntimeService.Client(wrapping: client)
        self.imageService = Runtime_V1_ImageService.Client(wrapping: client)
        let connectionLogger = logger
        self.connections = Task {
            do {
                try await client.runConnections()
            } catch {
                connectionLogger.error("CRI client stopped: \(error)")
            }
        }
    }

    deinit {
        client.beginGracefulShutdown()
    }

    /// Stops the gRPC client once in-flight calls finish. Calls made afterwards fail.
    public func close() async {
        client.beginGracefulShutdown()
        await connections.value
    }

    /// `unix:///path` or `/path` → `/path`; anything else is refused with the reason.
    static func socketPath(of endpoint: String) throws -> String {
        var path = endpoint
        if path.hasPrefix("unix://") {
            path.removeFirst("unix://".count)
        } else if path.contains("://") {
            throw RuntimeError.invalidConfig("the CRI endpoint \(endpoint) is not a unix socket: use unix:///path/to/containerd.sock")
        }
        guard path.hasPrefix("/") else {
            throw RuntimeError.invalidConfig("the CRI endpoint \(endpoint) must be an absolute socket path (unix:///run/containerd/containerd.sock)")
        }
        return path
    }

    /// Options for one call: the request timeout plus `extra` (nil: no deadline at all).
    func options(extra: Duration? = .zero) -> CallOptions {
        var options = CallOptions.defaults
        options.timeout = extra.map { requestTimeout + $0 }
        options.maxRequestMessageBytes = Self.maxMessageBytes
        options.maxResponseMessageBytes = Self.maxMessageBytes
        return options
    }

    public var capabilities: RuntimeCapabilities {
        RuntimeCapabilities(runsImages: true, podNetworking: true, enforcesLimits: true)
    }

    /// The runtime's name and version (`containerd://1.6.20`); fails when nothing answers.
    public func version() async throws -> RuntimeVersion {
        let response = try await call("Version") {
            try await runtimeService.version(Runtime_V1_VersionRequest.with { $0.version = "v1" }, options: options())
        }
        return RuntimeVersion(runtimeName: response.runtimeName, runtimeVersion: response.runtimeVersion)
    }

    /// The CRI API version the runtime speaks (`v1`).
    public func apiVersion() async throws -> String {
        try await call("Version") {
            try await runtimeService.version(Runtime_V1_VersionRequest.with { $0.version = "v1" }, options: options())
        }.runtimeApiVersion
    }
}
