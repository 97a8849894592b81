#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif
import Foundation
import TugShimKit
import Logging
import TugRuntime

/// Runs each container as a host process, for machines without a container engine: no images,
/// the host's network, cgroup limits and bind mounts when running as root.
///
/// All state is on disk under `root` (a folder per sandbox and per container) and every
/// container is parented by its own detached shim, so containers outlive the agent and a new
/// `ProcessRuntime` over the same root picks up where the last one stopped.
public final class ProcessRuntime: ContainerRuntime {
    public let root: String
    /// `tug-shim`: each container's supervisor (`run`) and the launcher of its processes (`launch`).
    public let shimExecutable: String
    let runtimeVersion: String
    let logger: Logger
    let store: StateStore
    let cgroups: CgroupSystem?
    let runsAsRoot: Bool

    public init(root: String, shimExecutable: String, version: String, logger: Logger = Logger(label: "tug.runtime.process")) throws {
        guard root.hasPrefix("/") else { throw RuntimeError.invalidConfig("the process runtime's root must be an absolute path, not \(root)") }
        guard access(shimExecutable, X_OK) == 0 else {
            throw RuntimeError.invalidConfig("the process runtime's shim executable \(shimExecutable) does not exist or is not executable")
        }
        self.root = root
        self.shimExecutable = shimExecutable
        self.runtimeVersion = version
        self.logger = logger
        self.store = StateStore(root: root)
        self.runsAsRoot = Posix.isRoot()
        self.cgroups = CgroupSystem.detect()
        try Sys.makeDirectories(store.sandboxesDirectory, mode: 0o700)
        try Sys.makeDirectories(store.containersDirectory, mode: 0o700)
    }

    public func version() async throws -> RuntimeVersion {
        RuntimeVersion(runtimeName: "process", runtimeVersion: runtimeVersion)
    }

    public var capabilities: RuntimeCapabilities {
        RuntimeCapabilities(runsImages: false, podNetworking: false, enforcesLimits: cgroups != nil)
    }

    // MARK: Images

    /// There are no images: the name is its own reference.
    public func pullImage(_ image: String, auth: ImageAuth?) async throws -> String { image }

    /// Every image is "present": the container runs its command from the host.
    public func imageStatus(_ image: String) async throws -> ImageInfo? {
        ImageInfo(id: image, repoTags: [image])
    }

    // MARK: Sandboxes

    public func runSandbox(_ config: SandboxConfig) async throws -> SandboxID {
        let id = StateStore.newID()
        let directory = store.sandboxDirectory(id)
        var cgroupRelative: String?
        if let cgroups {
            let relative = try Self.podCgroup(config)
            do {
                _ = try cgroups.create(relative, resources: config.resources)
            } catch {
                throw RuntimeError.failed("cannot create the cgroup of pod \(config.namespace)/\(config.name): \(error)")
            }
            cgroupRelative = relative
        }
        do {
            try Sys.makeDirectories(directory, mode: 0o700)
            try store.save(SandboxRecord(id: id, config: config, createdAt: Date(), state: .ready, cgroupRelative: cgroupRelative))
        } catch {
            try? FileManager.default.removeItem(atPath: directory)
            if let cgroupRelative { cgroups?.remove(cgroupRelative) }
            throw RuntimeError.failed("cannot record sandbox of \(config.namespace)/\(config.name): \(error)")
        }
        logger.debug("sandbox created", metadata: ["sandbox": "\(id)", "pod": "\(config.namespace)/\(config.name)"])
        return id
    }

    /// `tugboat/`-relative folder of a pod: its QoS cgroup parent, or `pod<uid>`.
    static func podCgroup(_ config: SandboxConfig) throws -> String {
        let parent = config.cgroupParent.isEmpty ? "pod" + config.uid : config.cgroupParent
        let components = parent.split(separator: "/")
        guard !components.isEmpty, !components.contains(where: { $0 == ".." || $0 == "." }) else {
            throw RuntimeError.invalidConfig("cgroup parent \"\(config.cgroupParent)\" of pod \(config.namespace)/\(config.name) is not a valid cgroup path")
        }
        return components.joined(separator: "/")
    }

    public func stopSandbox(_ id: SandboxID) async throws {
        var record = try store.sandbox(id)
        for container in store.containers(in: id) {
            try await stopContainer(container.id, timeout: .zero)
        }
        if record.state != .notReady {
            record.state = .notReady
            try store.save(record)
        }
    }

    public func removeSandbox(_ id: SandboxID) async throws {
        guard let record = try? store.sandbox(id) else { return }
        for container in store.containers(in: id) {
            try await removeContainer(container.id)
        }
        if let relative = record.cgroupRelative { cgroups?.remove(relative) }
        do {
            try store.removeSandboxState(id)
        } catch {
            throw RuntimeError.failed("cannot remove the state of sandbox \(id): \(error.localizedDescription)")
        }
    }

    public func sandboxStatus(_ id: SandboxID) async throws -> SandboxStatus {
        Self.status(of: try store.sandbox(id))
    }

    public func listSandboxes() async throws -> [SandboxStatus] {
        store.allSandboxes().map(Self.status(of:))
    }

    static func status(of record: SandboxRecord) -> SandboxStatus {
        let c = record.config
        return SandboxStatus(id: record.id, name: c.name, namespace: c.namespace, uid: c.uid, attempt: c.attempt, state: record.state,
                             createdAt: record.createdAt, ips: [], labels: c.labels, annotations: c.annotations)
    }
}
