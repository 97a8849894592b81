import Foundation
import Synchronization
import TugRuntime
import TugShimKit

/// A sandbox as stored in `<root>/sandboxes/<id>/sandbox.json`.
struct SandboxRecord: Codable, Sendable {
    var id: SandboxID
    var config: SandboxConfig
    var createdAt: Date
    var state: SandboxStatus.State
    /// `tugboat/`-relative cgroup folder of the pod; nil without cgroups.
    var cgroupRelative: String?
}

/// A container as stored in `<root>/containers/<id>/container.json`: everything the shim needs
/// to run it and the runtime needs to clean up after it.
struct ContainerRecord: Codable, Sendable {
    var id: ContainerID
    var sandboxID: SandboxID
    var config: ContainerConfig
    var createdAt: Date
    /// Absolute CRI log file.
    var logPath: String
    var workingDirectory: String
    var cgroup: CgroupPaths?
    /// Mounts the launcher bind-mounts inside a private mount namespace (root only).
    var bindMounts: [Mount]
    /// Mount points and symlinks this runtime created, removed again with the container.
    var createdPaths: [String]
}

/// Written by the runtime when it starts the shim: how to tell whether the shim still lives.
struct ShimRecord: Codable, Sendable {
    var pid: Int32
    var startTicks: UInt64
}

/// Written by the shim once the container's process has exec'd.
struct StartedRecord: Codable, Sendable {
    var pid: Int32
    var startTicks: UInt64
    var startedAt: Date
    /// The container's terminal (`/dev/pts/N`) when it has one: attach resizes it.
    var terminal: String?
}

/// Written by the shim (or the runtime, when the shim died) once the container has ended.
struct ExitRecord: Codable, Sendable {
    var exitCode: Int32
    var finishedAt: Date
    var reason: String
    var message: String
}

/// Where each piece of state lives under the runtime's root folder, and JSON in and out.
///
/// Records are read from disk once and then served from memory: sandbox and container records
/// change only through this runtime, and a container's shim, started and exit records are final
/// once written. Pod workers list their containers every second, so decoding every file on
/// every list cost O(pods²) work per second.
struct StateStore: Sendable {
    let root: String
    private let cache = RecordCache()

    init(root: String) { self.root = root }

    var sandboxesDirectory: String { root + "/sandboxes" }
    var containersDirectory: String { root + "/containers" }
    func sandboxDirectory(_ id: SandboxID) -> String { sandboxesDirectory + "/" + id }
    func containerDirectory(_ id: ContainerID) -> String { containersDirectory + "/" + id }

    static func sandboxFile(in directory: String) -> String { directory + "/sandbox.json" }
    static func containerFile(in directory: String) -> String { directory + "/container.json" }
    static func shimFile(in directory: String) -> String { directory + "/shim.json" }
    static func startedFile(in directory: String) -> String { ShimSpec.startedFile(in: directory) }
    static func exitFile(in directory: String) -> String { ShimSpec.exitFile(in: directory) }
    static func stdinFIFO(in directory: String) -> String { directory + "/stdin" }
    static func launchFile(in directory: String) -> String { ShimSpec.launchFile(in: directory) }
    static func shimLogFile(in directory: String) -> String { directory + "/shim.log" }

    static let encoder: JSONEncoder = {
        let e = JSONEncoder()
        e.dateEncodingStrategy = .custom { date, encoder in
            var c = encoder.singleValueContainer()
            try c.encode(CRILogLine.format(date))
        }
        e.outputFormatting = [.sortedKeys]
        return e
    }()

    static let decoder: JSONDecoder = {
        let d = JSONDecoder()
        d.dateDecodingStrategy = .custom { decoder in
            let c = try decoder.singleValueContainer()
            let s = try c.decode(String.self)
            guard let date = CRILogLine.parseTime(s) else {
                throw DecodingError.dataCorruptedError(in: c, debugDescription: "not an RFC 3339 time: \(s)")
            }
            return date
        }
        return d
    }()

    static func write<T: Encodable>(_ value: T, to path: String) throws {
        try Posix.writeAtomically(try encoder.encode(value), to: path)
    }

    /// The decoded file, or nil when it does not exist; a corrupt file is an error.
    static func read<T: Decodable>(_ type: T.Type, from path: String) throws -> T? {
        guard let data = FileManager.default.contents(atPath: path) else { return nil }
        do {
            return try decoder.decode(type, from: data)
        } catch {
            throw RuntimeError.failed("corrupt runtime state in \(path): \(error)")
        }
    }

    static func entries(of directory: String) -> [String] {
        ((try? FileManager.default.contentsOfDirectory(atPath: directory)) ?? []).filter { !$0.hasPrefix(".") }.sorted()
    }

    func sandbox(_ id: SandboxID) throws -> SandboxRecord {
        if let cached = cache.state.withLock({ $0.sandboxes[id] }) { return cached }
        guard Self.isValidID(id), let record = try Self.read(SandboxRecord.self, from: Self.sandboxFile(in: sandboxDirectory(id))) else {
            throw RuntimeError.notFound("sandbox \(id)")
        }
        cache.state.withLock { $0.sandboxes[id] = record }
        return record
    }

    func container(_ id: ContainerID) throws -> ContainerRecord {
        if let cached = cache.state.withLock({ $0.containers[id] }) { return cached }
        guard Self.isValidID(id),
              let record = try Self.read(ContainerRecord.self, from: Self.containerFile(in: containerDirectory(id))) else {
            throw RuntimeError.notFound("container \(id)")
        }
        cache.state.withLock { $0.containers[id] = record }
        return record
    }

    func allSandboxes() -> [SandboxRecord] {
        loadAll(\.sandboxes, loaded: \.sandboxesLoaded, from: sandboxesDirectory) { Self.sandboxFile(in: sandboxDirectory($0)) }
    }

    func allContainers() -> [ContainerRecord] { containers(in: nil) }

    /// The containers of one sandbox (all of them for nil), by ID. Pod workers ask for their
    /// own every second: only those are copied and sorted, not every container on the node.
    func containers(in sandbox: SandboxID?) -> [ContainerRecord] {
        loadAll(\.containers, loaded: \.containersLoaded, from: containersDirectory, where: { sandbox == nil || $0.sandboxID == sandbox }) {
            Self.containerFile(in: containerDirectory($0))
        }
    }

    /// The records of one kind `matching`: read from `directory` the first time, from memory afterwards.
    private func loadAll<R: Decodable & Sendable & Identified>(_ records: WritableKeyPath<RecordCache.State, [String: R]>,
                                                               loaded: WritableKeyPath<RecordCache.State, Bool>,
                                                               from directory: String, where matching: (R) -> Bool = { _ in true },
                                                               file: (String) -> String) -> [R] {
        if !cache.state.withLock({ $0[keyPath: loaded] }) {
            let read = Self.entries(of: directory).compactMap { try? Self.read(R.self, from: file($0)) }
            cache.state.withLock { state in
                for record in read where state[keyPath: records][record.id] == nil { state[keyPath: records][record.id] = record }
                state[keyPath: loaded] = true
            }
        }
        return cache.state.withLock { $0[keyPath: records].values.filter(matching) }.sorted { $0.id < $1.id }
    }

    func save(_ record: SandboxRecord) throws {
        try Self.write(record, to: Self.sandboxFile(in: sandboxDirectory(record.id)))
        cache.state.withLock { $0.sandboxes[record.id] = record }
    }

    func save(_ record: ContainerRecord) throws {
        try Self.write(record, to: Self.containerFile(in: containerDirectory(record.id)))
        cache.state.withLock { $0.containers[record.id] = record }
    }

    func removeSandboxState(_ id: SandboxID) throws {
        cache.state.withLock { $0.sandboxes[id] = nil }
        try FileManager.default.removeItem(atPath: sandboxDirectory(id))
    }

    func removeContainerState(_ id: ContainerID) throws {
        cache.state.withLock { state in
            state.containers[id] = nil
            state.shims[id] = nil
            state.started[id] = nil
            state.exits[id] = nil
        }
        try FileManager.default.removeItem(atPath: containerDirectory(id))
    }

    /// The shim, started and exit records of a container: from memory once seen, since each is
    /// written once.
    func shim(_ id: ContainerID) throws -> ShimRecord? {
        try final(id, \.shims, file: Self.shimFile(in: containerDirectory(id)))
    }

    func started(_ id: ContainerID) throws -> StartedRecord? {
        try final(id, \.started, file: Self.startedFile(in: containerDirectory(id)))
    }

    func exit(_ id: ContainerID) throws -> ExitRecord? {
        try final(id, \.exits, file: Self.exitFile(in: containerDirectory(id)))
    }

    func save(_ record: ShimRecord, for id: ContainerID) throws {
        try Self.write(record, to: Self.shimFile(in: containerDirectory(id)))
        cache.state.withLock { $0.shims[id] = record }
    }

    /// Records the end of a container whose shim could not; a record the shim wrote meanwhile wins.
    func saveExit(_ record: ExitRecord, for id: ContainerID) throws {
        try Self.write(record, to: Self.exitFile(in: containerDirectory(id)))
        cache.state.withLock { $0.exits[id] = record }
    }

    private func final<R: Decodable & Sendable>(_ id: ContainerID, _ key: WritableKeyPath<RecordCache.State, [ContainerID: R]>,
                                                file: String) throws -> R? {
        if let cached = cache.state.withLock({ $0[keyPath: key][id] }) { return cached }
        guard let record = try Self.read(R.self, from: file) else { return nil }
        cache.state.withLock { $0[keyPath: key][id] = record }
        return record
    }

    /// IDs are ours (hex); anything else must not become a path.
    static func isValidID(_ id: String) -> Bool {
        !id.isEmpty && id.count <= 64 && id.allSatisfy { $0.isHexDigit }
    }

    static func newID() -> String {
        (UUID().uuidString + UUID().uuidString).replacingOccurrences(of: "-", with: "").lowercased()
    }
}

/// A record named by its ID.
protocol Identified {
    var id: String { get }
}

extension SandboxRecord: Identified {}
extension ContainerRecord: Identified {}

/// The records a `StateStore` has read or written.
final class RecordCache: Sendable {
    struct State {
        var sandboxes: [SandboxID: SandboxRecord] = [:]
        var containers: [ContainerID: ContainerRecord] = [:]
        var sandboxesLoaded = false
        var containersLoaded = false
        var shims: [ContainerID: ShimRecord] = [:]
        var started: [ContainerID: StartedRecord] = [:]
        var exits: [ContainerID: ExitRecord] = [:]
    }

    let state = Mutex(State())
}
