#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif
import Foundation
import Logging
import ServiceLifecycle

/// Runs this node's own containerd as a child: writes its config, starts
/// `containerd --config FILE` in its own process group with output appended to a log file,
/// keeps a pid file, waits until the socket answers, and stops it by pid (SIGTERM, then SIGKILL).
/// Use it as a `Service` in the node's `ServiceGroup`, or call `start()` and `stop()`.
/// Containers keep running across a containerd stop (their shims are separate processes), as
/// with any containerd restart.
public actor ContainerdSupervisor: Service {
    public nonisolated let config: ContainerdConfig
    /// Registries containerd reaches over plain HTTP; their hosts.toml files are written on start.
    public nonisolated let insecureRegistries: [String]
    public nonisolated let containerdExecutable: String?
    /// Whether start() imports the built-in pause image (`PauseImage`) as `config.sandboxImage`
    /// when containerd lacks it, so pods get sandboxes without the internet.
    public nonisolated let preparesSandboxImage: Bool
    public nonisolated let startTimeout: Duration
    public nonisolated let stopTimeout: Duration
    private let logger: Logger

    private var pid: pid_t?
    private var exit: ChildExit?
    /// Where this run's output starts in the log file, so errors quote this run only.
    private var logStartOffset: UInt64 = 0

    /// - Parameter containerdExecutable: the binary to run; nil finds `containerd` on the search path.
    public init(
        config: ContainerdConfig,
        insecureRegistries: [String] = [],
        containerdExecutable: String? = nil,
        preparesSandboxImage: Bool = true,
        startTimeout: Duration = .seconds(30),
        stopTimeout: Duration = .seconds(15),
        logger: Logger = Logger(label: "tug.containerd")
    ) {
        self.config = config
        self.insecureRegistries = insecureRegistries
        self.containerdExecutable = containerdExecutable
        self.preparesSandboxImage = preparesSandboxImage
        self.startTimeout = startTimeout
        self.stopTimeout = stopTimeout
        self.logger = logger
    }

    /// The socket as a CRI endpoint (`unix:///…`), for the runtime client.
    public nonisolated var endpoint: String { config.endpoint }

    /// The running containerd's pid, nil when none is running.
    public var processID: Int32? {
        guard let pid, exit == nil else { return nil }
        return pid
    }

    /// Writes config.toml and the registry hosts, starts containerd and returns once its socket
    /// accepts connections and (with `preparesSandboxImage`) the sandbox image is there.
    /// Calling it while containerd runs does nothing.
    public func start() async throws {
        if let pid, exit == nil, ChildProcess.reap(pid) == nil { return }
        pid = nil
        exit = nil
        try config.write()
        try RegistryHosts(directory: config.registryConfigDirectory, insecureRegistries: insecureRegistries).write()
        try await stopLeftoverFromEarlierRun()
        if UnixSocketProbe.answers(at: config.socketPath) {
            throw ContainerdError("a containerd already answers at \(config.socketPath) and this node did not start it: "
                + "use it with --container-runtime-endpoint \(config.endpoint), or give this node another socket path")
        }
        let executable = try resolveExecutable()

        let log = open(config.logFilePath, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0o644)
        guard log >= 0 else {
            throw ContainerdError("cannot open containerd log \(config.logFilePath): \(String(cString: strerror(errno)))")
        }
        defer { close(log) }
        var info = stat()
        logStartOffset = fstat(log, &info) == 0 ? UInt64(info.st_size) : 0

        let child = try ChildProcess.spawn(executable: executable, arguments: ["--config", config.configFilePath],
                                           stdout: log, stderr: log, newProcessGroup: true)
        pid = child
        do {
            try Data("\(child)\n".utf8).write(to: URL(fileURLWithPath: config.pidFilePath), options: .atomic)
        } catch {
            logger.warning("cannot write containerd pid file", metadata: ["path": "\(config.pidFilePath)", "error": "\(error)"])
        }
        logger.info("started containerd", metadata: ["pid": "\(child)", "socket": "\(config.socketPath)", "log": "\(config.logFilePath)"])

        let deadline = ContinuousClock.now + startTimeout
        while true {
            if let ended = ChildProcess.reap(child) {
                exit = ended
                removePidFile()
                throw ContainerdError("containerd \(ended) before its socket \(config.socketPath) answered; last lines of \(config.logFilePath):\n\(logTail())")
            }
            if UnixSocketProbe.answers(at: config.socketPath) { break }
            if ContinuousClock.now >= deadline {
                let tail = logTail()
                await stop()
                throw ContainerdError("containerd did not answer at \(config.socketPath) within \(startTimeout) and was stopped; last lines of \(config.logFilePath):\n\(tail)")
            }
            try? await Task.sleep(for: .milliseconds(50))
        }
        guard preparesSandboxImage else { return }
        do {
            let ctr = CtrCommand(socketPath: config.socketPath, timeout: .seconds(120))
            if try await PauseImage(reference: config.sandboxImage).ensureImported(using: ctr) {
                logger.info("imported the sandbox image", metadata: ["image": "\(config.sandboxImage)"])
            }
        } catch {
            await stop()
            throw ContainerdError("containerd started but the sandbox image \(config.sandboxImage) could not be prepared, so it was stopped: \(error)")
        }
    }

    /// Stops containerd: SIGTERM, up to `stopTimeout` to exit, then SIGKILL. Safe to call twice.
    public func stop() async {
        guard let pid, exit == nil else { return }
        if let ended = ChildProcess.reap(pid) {
            exit = ended
            removePidFile()
            return
        }
        kill(pid, SIGTERM)
        var ended = await ChildProcess.wait(pid, timeout: stopTimeout)
        if ended == nil {
            logger.warning("containerd did not exit after SIGTERM; killing it", metadata: ["pid": "\(pid)"])
            kill(pid, SIGKILL)
            ended = await ChildProcess.wait(pid, timeout: .seconds(10))
        }
        exit = ended ?? .signaled(SIGKILL)
        removePidFile()
        logger.info("stopped containerd", metadata: ["pid": "\(pid)", "exit": "\(exit.map { "\($0)" } ?? "?")"])
    }

    /// `Service`: starts containerd, fails if it dies while the node runs, stops it on graceful
    /// shutdown or cancellation.
    public func run() async throws {
        try await start()
        do {
            try await cancelWhenGracefulShutdown { try await self.watchForUnexpectedExit() }
        } catch is CancellationError {
        } catch {
            await Task.detached { await self.stop() }.value
            throw error
        }
        // A detached task: the stop sequence must not inherit this task's cancellation.
        await Task.detached { await self.stop() }.value
    }

    private func watchForUnexpectedExit() async throws {
        while true {
            if let pid, exit == nil, let ended = ChildProcess.reap(pid) {
                exit = ended
                removePidFile()
                throw ContainerdError("containerd \(ended) while the node was running; last lines of \(config.logFilePath):\n\(logTail())")
            }
            try await Task.sleep(for: .milliseconds(500))
        }
    }

    private func resolveExecutable() throws -> String {
        let prerequisites = HostPrerequisites()
        if let containerdExecutable {
            guard let path = prerequisites.locate(containerdExecutable) else {
                throw ContainerdError("containerd executable \(containerdExecutable) not found or not executable")
            }
            return path
        }
        guard let path = prerequisites.locate("containerd") else {
            throw ContainerdError("containerd is not installed; install with: apt-get install containerd runc containernetworking-plugins")
        }
        return path
    }

    /// A containerd that an earlier run of this node started with this very config (found
    /// through the pid file and its command line) is stopped, so a crashed node can restart.
    private func stopLeftoverFromEarlierRun() async throws {
        guard let text = try? String(contentsOfFile: config.pidFilePath, encoding: .utf8),
              let leftover = pid_t(text.trimmingCharacters(in: .whitespacesAndNewlines)), leftover > 1 else { return }
        guard ChildProcess.exists(leftover), Self.commandLine(of: leftover).contains(config.configFilePath) else {
            removePidFile()
            return
        }
        logger.notice("stopping containerd left over from an earlier run", metadata: ["pid": "\(leftover)"])
        kill(leftover, SIGTERM)
        let deadline = ContinuousClock.now + stopTimeout
        while ChildProcess.exists(leftover), ContinuousClock.now < deadline {
            _ = ChildProcess.reap(leftover)
            try? await Task.sleep(for: .milliseconds(50))
        }
        if ChildProcess.exists(leftover) {
            kill(leftover, SIGKILL)
            try? await Task.sleep(for: .milliseconds(200))
        }
        if ChildProcess.exists(leftover), ChildProcess.reap(leftover) == nil {
            throw ContainerdError("containerd pid \(leftover) from an earlier run (pid file \(config.pidFilePath)) did not stop; kill it and start again")
        }
        removePidFile()
    }

    static func commandLine(of pid: pid_t) -> [String] {
        guard let data = FileManager.default.contents(atPath: "/proc/\(pid)/cmdline") else { return [] }
        return data.split(separator: 0).map { String(decoding: $0, as: UTF8.self) }
    }

    private func removePidFile() {
        try? FileManager.default.removeItem(atPath: config.pidFilePath)
    }

    /// The last lines this run wrote to the log.
    private func logTail(lines: Int = 20) -> String {
        guard let handle = FileHandle(forReadingAtPath: config.logFilePath) else { return "(no log)" }
        defer { try? handle.close() }
        let size = (try? handle.seekToEnd()) ?? 0
        let start = max(logStartOffset, size > 16_384 ? size - 16_384 : 0)
        try? handle.seek(toOffset: start)
        let text = String(decoding: (try? handle.readToEnd()) ?? Data(), as: UTF8.self)
        let tail = text.split(separator: "\n", omittingEmptySubsequences: true).suffix(lines)
        return tail.isEmpty ? "(log is empty)" : tail.joined(separator: "\n")
    }
}
