import Foundation

/// containerd 1.6's `config.toml` (schema version 2) for a Tugboat node, with the settings these
/// machines need (see shared/runtime.md): everything containerd keeps lives under one data
/// directory so a node's containerd never collides with another containerd on the host.
public struct ContainerdConfig: Sendable, Hashable {
    /// Where kubelet-style tools look for containerd when nothing else is said.
    public static let defaultSocketPath = "/run/containerd/containerd.sock"
    /// Debian's `containernetworking-plugins` installs the CNI plugins here.
    public static let defaultCNIBinDirectory = "/usr/lib/cni"
    /// The longest path a unix socket address holds (`sun_path` is 108 bytes with its NUL).
    public static let maximumSocketPathLength = 107

    /// containerd's own directory (for example `<tugboat data dir>/containerd`); root, state,
    /// config, log, pid file, CNI config and registry hosts all live below it.
    public var dataDirectory: String
    /// The gRPC socket containerd listens on (a path, not a `unix://` URL).
    public var socketPath: String
    /// The image CRI runs as each pod's sandbox; must be available without the internet.
    public var sandboxImage: String
    public var cniBinDirectory: String
    public var cniConfDirectory: String
    /// Log level containerd writes to its log file (`debug`, `info`, `warn`, `error`).
    public var logLevel: String

    public init(
        dataDirectory: String,
        socketPath: String = ContainerdConfig.defaultSocketPath,
        sandboxImage: String = PauseImage.defaultReference,
        cniBinDirectory: String = ContainerdConfig.defaultCNIBinDirectory,
        cniConfDirectory: String? = nil,
        logLevel: String = "info"
    ) {
        let data = Self.trimmingTrailingSlashes(dataDirectory)
        self.dataDirectory = data
        self.socketPath = Self.socketPath(fromEndpoint: socketPath)
        self.sandboxImage = sandboxImage
        self.cniBinDirectory = cniBinDirectory
        self.cniConfDirectory = cniConfDirectory ?? data + "/cni/net.d"
        self.logLevel = logLevel
    }

    public var rootDirectory: String { dataDirectory + "/root" }
    public var stateDirectory: String { dataDirectory + "/state" }
    /// `registry.config_path`: one `HOST:PORT/hosts.toml` per registry (see `RegistryHosts`).
    public var registryConfigDirectory: String { dataDirectory + "/certs.d" }
    public var configFilePath: String { dataDirectory + "/config.toml" }
    public var logFilePath: String { dataDirectory + "/containerd.log" }
    public var pidFilePath: String { dataDirectory + "/containerd.pid" }
    /// runc's state for this containerd's containers, apart from any other containerd's.
    public var runcRootDirectory: String { stateDirectory + "/runc" }
    /// The socket as a CRI endpoint URL, the form `--container-runtime-endpoint` takes.
    public var endpoint: String { "unix://" + socketPath }

    /// Accepts `unix:///path`, `unix:/path` or a plain path and returns the path.
    public static func socketPath(fromEndpoint endpoint: String) -> String {
        for prefix in ["unix://", "unix:"] where endpoint.hasPrefix(prefix) {
            return String(endpoint.dropFirst(prefix.count))
        }
        return endpoint
    }

    /// Throws when a directory or the socket is unusable, before containerd gets to say it less clearly.
    public func validate() throws {
        for (name, path) in [("data directory", dataDirectory), ("CNI bin directory", cniBinDirectory),
                             ("CNI conf directory", cniConfDirectory)] {
            guard path.hasPrefix("/") else {
                throw ContainerdError("containerd \(name) must be an absolute path, got '\(path)'")
            }
        }
        guard socketPath.hasPrefix("/") else {
            throw ContainerdError("containerd socket must be an absolute path (or unix:///path), got '\(socketPath)'")
        }
        guard socketPath.utf8.count <= Self.maximumSocketPathLength else {
            throw ContainerdError("containerd socket path '\(socketPath)' is \(socketPath.utf8.count) bytes; a unix socket path holds at most \(Self.maximumSocketPathLength): choose a shorter path")
        }
        guard !sandboxImage.isEmpty, !sandboxImage.contains(where: \.isWhitespace) else {
            throw ContainerdError("sandbox image '\(sandboxImage)' is not an image reference")
        }
        guard ["trace", "debug", "info", "warn", "error", "fatal", "panic"].contains(logLevel) else {
            throw ContainerdError("containerd log level '\(logLevel)' is not one of trace, debug, info, warn, error, fatal, panic")
        }
    }

    /// The config.toml text.
    public func render() throws -> String {
        try validate()
        let cri = ["plugins", "io.containerd.grpc.v1.cri"]
        var lines: [String] = [
            "# Written by Tugboat; regenerated on every start.",
            "version = 2",
            "root = \(TOMLText.string(rootDirectory))",
            "state = \(TOMLText.string(stateDirectory))",
            "oom_score = 0",
            "",
            TOMLText.table(["grpc"]),
            "  address = \(TOMLText.string(socketPath))",
            "",
            TOMLText.table(["debug"]),
            "  level = \(TOMLText.string(logLevel))",
            "",
            TOMLText.table(["plugins", "io.containerd.internal.v1.opt"]),
            "  path = \(TOMLText.string(dataDirectory + "/opt"))",
            "",
            TOMLText.table(cri),
            "  sandbox_image = \(TOMLText.string(sandboxImage))",
            // Root lacks CAP_SYS_RESOURCE on these machines: a negative oom_score_adj fails sandboxes.
            "  restrict_oom_score_adj = true",
            "  stream_server_address = \"127.0.0.1\"",
            "  stream_server_port = \"0\"",
            "",
            TOMLText.table(cri + ["containerd"]),
            "  snapshotter = \"overlayfs\"",
            "  default_runtime_name = \"runc\"",
            "",
            TOMLText.table(cri + ["containerd", "runtimes", "runc"]),
            "  runtime_type = \"io.containerd.runc.v2\"",
            "",
            TOMLText.table(cri + ["containerd", "runtimes", "runc", "options"]),
            "  SystemdCgroup = false",
            "  Root = \(TOMLText.string(runcRootDirectory))",
            "",
            TOMLText.table(cri + ["cni"]),
            "  bin_dir = \(TOMLText.string(cniBinDirectory))",
            "  conf_dir = \(TOMLText.string(cniConfDirectory))",
            "  max_conf_num = 1",
            "",
            TOMLText.table(cri + ["registry"]),
            "  config_path = \(TOMLText.string(registryConfigDirectory))",
        ]
        lines.append("")
        return lines.joined(separator: "\n")
    }

    /// Creates the directories containerd and CRI expect and writes config.toml atomically;
    /// returns its path.
    @discardableResult
    public func write() throws -> String {
        let text = try render()
        let fm = FileManager.default
        for directory in [dataDirectory, rootDirectory, stateDirectory, registryConfigDirectory, cniConfDirectory,
                          (socketPath as NSString).deletingLastPathComponent] {
            do {
                try fm.createDirectory(atPath: directory, withIntermediateDirectories: true)
            } catch {
                throw ContainerdError("cannot create directory \(directory): \(error.localizedDescription)")
            }
        }
        do {
            try Data(text.utf8).write(to: URL(fileURLWithPath: configFilePath), options: .atomic)
        } catch {
            throw ContainerdError("cannot write \(configFilePath): \(error.localizedDescription)")
        }
        return configFilePath
    }

    static func trimmingTrailingSlashes(_ path: String) -> String {
        var p = path
        while p.count > 1, p.hasSuffix("/") { p.removeLast() }
        return p
    }
}
