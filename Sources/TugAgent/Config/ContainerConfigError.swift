/// Why a container's configuration (environment, command line, mounts) could not be built. The
/// message is exactly the one the kubelet puts in the container's waiting state, which the agent
/// reports with reason `CreateContainerConfigError`.
public struct ContainerConfigError: Error, Sendable, Hashable, CustomStringConvertible {
    /// The waiting reason the agent reports with `message`.
    public static let reason = "CreateContainerConfigError"
    public var message: String

    public init(_ message: String) {
        self.message = message
    }

    public var description: String { message }

    static func configMapNotFound(_ name: String) -> ContainerConfigError { ContainerConfigError("configmap \"\(name)\" not found") }
    static func secretNotFound(_ name: String) -> ContainerConfigError { ContainerConfigError("secret \"\(name)\" not found") }
}

/// Something the agent should record as a Warning event on the pod while still starting it
/// (the kubelet's `InvalidEnvironmentVariableNames`).
public struct ConfigWarning: Sendable, Hashable, CustomStringConvertible {
    public var reason: String
    public var message: String

    public init(reason: String, message: String) {
        self.reason = reason
        self.message = message
    }

    public var description: String { "\(reason): \(message)" }
}
