import Foundation

/// How to reach containerd with its `ctr` tool: which binary, socket and namespace. CRI keeps
/// its images in the `k8s.io` namespace, so that is the default.
public struct CtrCommand: Sendable, Hashable {
    public static let criNamespace = "k8s.io"

    public var socketPath: String
    public var namespace: String
    /// `ctr` or a full path.
    public var executable: String
    /// How long one ctr call may take (an import of a large archive takes a while).
    public var timeout: Duration

    public init(
        socketPath: String = ContainerdConfig.defaultSocketPath,
        namespace: String = CtrCommand.criNamespace,
        executable: String = "ctr",
        timeout: Duration = .seconds(600)
    ) {
        self.socketPath = ContainerdConfig.socketPath(fromEndpoint: socketPath)
        self.namespace = namespace
        self.executable = executable
        self.timeout = timeout
    }

    /// Runs `ctr -a SOCKET -n NAMESPACE ARGS…` and returns its standard output; a failure
    /// throws with ctr's own error text.
    public func run(_ arguments: [String]) async throws -> String {
        guard let path = HostPrerequisites().locate(executable) else {
            throw ContainerdError("\(executable) not found; it ships with containerd: apt-get install containerd")
        }
        let full = ["-a", socketPath, "-n", namespace] + arguments
        let result = try await CommandRunner.run(path, full, timeout: timeout)
        guard result.succeeded else {
            let stderr = result.standardError.trimmingCharacters(in: .whitespacesAndNewlines)
            let stdout = result.standardOutput.trimmingCharacters(in: .whitespacesAndNewlines)
            let detail = stderr.isEmpty ? stdout : stderr
            throw ContainerdError("ctr \(arguments.joined(separator: " ")) \(result.exit): \(detail.isEmpty ? "(no output)" : detail)")
        }
        return result.standardOutput
    }
}
