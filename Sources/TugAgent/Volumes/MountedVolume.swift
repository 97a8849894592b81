/// A pod volume set up on this node: what the agent bind-mounts into containers.
public struct MountedVolume: Sendable, Hashable {
    public enum Kind: String, Sendable, Hashable, CaseIterable {
        case emptyDir, hostPath, configMap, secret, downwardAPI, projected

        /// The kubelet's plugin directory name under `<podDir>/volumes/` (none for hostPath).
        public var pluginDirectory: String? {
            switch self {
            case .emptyDir: return "kubernetes.io~empty-dir"
            case .configMap: return "kubernetes.io~configmap"
            case .secret: return "kubernetes.io~secret"
            case .downwardAPI: return "kubernetes.io~downward-api"
            case .projected: return "kubernetes.io~projected"
            case .hostPath: return nil
            }
        }

        /// API data volumes are always mounted read-only into containers.
        public var mustMountReadOnly: Bool {
            switch self {
            case .configMap, .secret, .downwardAPI, .projected: return true
            case .emptyDir, .hostPath: return false
            }
        }
    }

    public var name: String
    public var kind: Kind
    /// The directory (or, for hostPath, the file or directory) on the host.
    public var hostPath: String
    /// Whether `hostPath` is a tmpfs this agent mounted (memory-backed emptyDir, secrets).
    public var onTmpfs: Bool

    public init(name: String, kind: Kind, hostPath: String, onTmpfs: Bool = false) {
        self.name = name
        self.kind = kind
        self.hostPath = hostPath
        self.onTmpfs = onTmpfs
    }

    public var mustMountReadOnly: Bool { kind.mustMountReadOnly }
}

/// Why a volume could not be set up; `description` is the kubelet's event message
/// (`MountVolume.SetUp failed for volume "x" : ...`, reason `FailedMount`).
public struct VolumeSetUpError: Error, Sendable, Hashable, CustomStringConvertible {
    public static let reason = "FailedMount"
    public var volume: String
    public var message: String

    public init(volume: String, message: String) {
        self.volume = volume
        self.message = message
    }

    public var description: String { "MountVolume.SetUp failed for volume \"\(volume)\" : \(message)" }
}
