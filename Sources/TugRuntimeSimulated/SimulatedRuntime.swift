import Foundation
import TugRuntime

/// A runtime that starts nothing but keeps real state: sandboxes and containers are created,
/// run and exit like real ones, so the agent drives it exactly as any other runtime (hollow
/// nodes, agent tests). A container runs until stopped, or, when the pod has the annotation
/// `simulate.tugboat.dev/run-seconds`, exits after that long with
/// `simulate.tugboat.dev/exit-code` (default 0). Exec "runs" a command with exit code 0 and no
/// output unless the command is `exit N`. Stats follow `simulate.tugboat.dev/millicores` (CPU
/// used while running) and `simulate.tugboat.dev/memory-bytes`, both default 0.
public actor SimulatedRuntime: ContainerRuntime {
    public static let runSecondsAnnotation = "simulate.tugboat.dev/run-seconds"
    public static let exitCodeAnnotation = "simulate.tugboat.dev/exit-code"
    public static let millicoresAnnotation = "simulate.tugboat.dev/millicores"
    public static let memoryAnnotation = "simulate.tugboat.dev/memory-bytes"

    struct Sandbox {
        var status: SandboxStatus
        var config: SandboxConfig
    }

    struct Container {
        var status: TugRuntime.ContainerStatus
        var exitTimer: Task<Void, Never>?
    }

    private var sandboxes: [SandboxID: Sandbox] = [:]
    private var containers: [ContainerID: Container] = [:]
    private var nextID = 0
    private var nextIP: UInt32 = 0
    private var failingSandboxes = 0
    let podNetworking: Bool

    public init(podNetworking: Bool = true) {
        self.podNetworking = podNetworking
    }

    public nonisolated var capabilities: RuntimeCapabilities {
        RuntimeCapabilities(runsImages: true, podNetworking: podNetworking, enforcesLimits: false)
    }

    public func version() async throws -> RuntimeVersion { RuntimeVersion(runtimeName: "simulated", runtimeVersion: "1.0") }

    private func newID() -> String {
        nextID += 1
        return String(format: "%016x", nextID)
    }

    /// Fault injection for tests: the next `count` sandboxes fail as containerd's do when the
    /// network cannot be set up, leaving a not-ready sandbox behind that holds the name.
    public func failNextSandboxes(_ count: Int) { failingSandboxes = count }

    public func runSandbox(_ config: SandboxConfig) async throws -> SandboxID {
        if let held = sandboxes.values.first(where: { $0.config.name == config.name && $0.config.uid == config.uid
                                                      && $0.config.attempt == config.attempt }) {
            throw RuntimeError.failed("failed to reserve sandbox name: it is reserved for \(held.status.id)")
        }
        let id = newID()
        if failingSandboxes > 0 {
            failingSandboxes -= 1
            sandboxes[id] = Sandbox(status: SandboxStatus(id: id, name: config.name, namespace: config.namespace, uid: config.uid,
                                                          attempt: config.attempt, state: .notReady, createdAt: Date(), ips: [],
                                                          labels: config.labels, annotations: config.annotations), config: config)
            throw RuntimeError.failed("failed to set up the sandbox's network (injected)")
        }
        nextIP &+= 1
        let ips = podNetworking && !config.hostNetwork ? ["10.244.\((nextIP >> 8) & 0xFF).\(nextIP & 0xFF)"] : []
        sandboxes[id] = Sandbox(status: SandboxStatus(id: id, name: config.name, namespace: config.namespace, uid: config.uid, attempt: config.attempt,
                                                      state: .ready, createdAt: Date(), ips: ips, labels: config.labels,
                                                      annotations: config.annotations), config: config)
        return id
    }

    public func stopSandbox(_ id: SandboxID) async throws {
        guard sandboxes[id] != nil else { return }
        for (cid, c) in containers where c.status.sandboxID == id && c.status.state != .exited { exit(cid, code: 137, reason: "Error") }
        sandboxes[id]?.status.state = .notReady
    }

    public func removeSandbox(_ id: SandboxID) async throws {
        for (cid, c) in containers where c.status.sandboxID == id {
            c.exitTimer?.cancel()
            containers[cid] = nil
        }
        sandboxes[id] = nil
    }

    public func sandboxStatus(_ id: SandboxID) async throws -> SandboxStatus {
        guard let s = sandboxes[id] else { throw RuntimeError.notFound("sandbox \(id)") }
        return s.status
    }

    public func listSandboxes() async throws -> [SandboxStatus] { sandboxes.values.map(\.status) }

    public func createContainer(in sandbox: SandboxID, _ config: ContainerConfig, sandboxConfig: SandboxConfig) async throws -> ContainerID {
        guard let sb = sandboxes[sandbox], sb.status.state == .ready else { throw RuntimeError.notFound("sandbox \(sandbox)") }
        let id = newID()
        containers[id] = Container(status: TugRuntime.ContainerStatus(
            id: id, sandboxID: sandbox, name: config.name, attempt: config.attempt, image: config.image, imageRef: "simulated://\(config.image)",
            state: .created, createdAt: Date(), logPath: sb.config.logDirectory + "/" + config.logPath, labels: config.labels,
            annotations: config.annotations))
        return id
    }

    public func startContainer(_ id: ContainerID) async throws {
        guard let c = containers[id] else { throw RuntimeError.notFound("container \(id)") }
        guard c.status.state == .created else { throw RuntimeError.failed("container \(id) is \(c.status.state.rawValue), not created") }
        containers[id]?.status.state = .running
        containers[id]?.status.startedAt = Date()
        let annotations = sandboxes[c.status.sandboxID]?.config.annotations ?? [:]
        if let text = annotations[Self.runSecondsAnnotation], let seconds = Double(text), seconds >= 0 {
            let code = Int32(annotations[Self.exitCodeAnnotation] ?? "") ?? 0
            containers[id]?.exitTimer = Task { [weak self] in
                try? await Task.sleep(for: .milliseconds(Int64(seconds * 1000)))
                if Task.isCancelled { return }
                await self?.exit(id, code: code, reason: code == 0 ? "Completed" : "Error")
            }
        }
    }

    private func exit(_ id: ContainerID, code: Int32, reason: String) {
        guard var c = containers[id], c.status.state == .running || c.status.state == .created else { return }
        c.exitTimer?.cancel()
        c.exitTimer = nil
        if c.status.startedAt == nil { c.status.startedAt = Date() }
        c.status.state = .exited
        c.status.exitCode = code
        c.status.reason = reason
        c.status.finishedAt = Date()
        containers[id] = c
    }

    public func stopContainer(_ id: ContainerID, timeout: Duration) async throws {
        exit(id, code: 143, reason: "Error")
    }

    public func removeContainer(_ id: ContainerID) async throws {
        containers[id]?.exitTimer?.cancel()
        containers[id] = nil
    }

    public func containerStatus(_ id: ContainerID) async throws -> TugRuntime.ContainerStatus {
        guard let c = containers[id] else { throw RuntimeError.notFound("container \(id)") }
        return c.status
    }

    public func listContainers(sandbox: SandboxID?) async throws -> [TugRuntime.ContainerStatus] {
        containers.values.map(\.status).filter { sandbox == nil || $0.sandboxID == sandbox }
    }

    public func pullImage(_ image: String, auth: ImageAuth?) async throws -> String { "simulated://\(image)" }

    public func imageStatus(_ image: String) async throws -> ImageInfo? { ImageInfo(id: "simulated://\(image)", repoTags: [image]) }

    public func execSync(_ id: ContainerID, command: [String], timeout: Duration) async throws -> ExecResult {
        guard containers[id]?.status.state == .running else { throw RuntimeError.failed("container \(id) is not running") }
        return ExecResult(exitCode: Self.exitCode(command), stdout: [], stderr: [])
    }

    public func exec(_ id: ContainerID, command: [String], streams: ExecStreams) async throws -> Int32 {
        guard containers[id]?.status.state == .running else { throw RuntimeError.failed("container \(id) is not running") }
        return Self.exitCode(command)
    }

    public func attach(_ id: ContainerID, streams: ExecStreams) async throws {
        guard containers[id] != nil else { throw RuntimeError.notFound("container \(id)") }
    }

    public func portForward(_ sandbox: SandboxID, port: UInt16) async throws -> any ByteConnection {
        throw RuntimeError.failed("the simulated runtime has no network to forward port \(port) to")
    }

    public func containerStats(_ id: ContainerID) async throws -> ContainerStats {
        guard let c = containers[id] else { throw RuntimeError.notFound("container \(id)") }
        let annotations = sandboxes[c.status.sandboxID]?.config.annotations ?? [:]
        let now = Date()
        let millicores = Double(annotations[Self.millicoresAnnotation] ?? "") ?? 0
        let ran = max(0, (c.status.finishedAt ?? now).timeIntervalSince(c.status.startedAt ?? now))
        let memory = UInt64(annotations[Self.memoryAnnotation] ?? "") ?? 0
        return ContainerStats(timestamp: now, cpuUsageCoreNanoSeconds: UInt64(ran * millicores * 1_000_000), memoryWorkingSetBytes: memory,
                              memoryRSSBytes: memory)
    }

    /// `exit N` (possibly via `sh -c`) exits with N; anything else succeeds.
    static func exitCode(_ command: [String]) -> Int32 {
        let last = command.last ?? ""
        let words = last.split(separator: " ")
        if words.count == 2, words[0] == "exit", let n = Int32(words[1]) { return n }
        return 0
    }
}
