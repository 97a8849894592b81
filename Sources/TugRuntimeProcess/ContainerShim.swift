#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif
import Foundation
import TugRuntime

/// `tug runtime-shim --container-dir DIR`: the parent of one container's process. Started
/// detached (own session) by the runtime, it outlives the agent: it spawns the container through
/// the launcher, relays stdout/stderr into the CRI log file and stdin from the container's FIFO,
/// waits for the exit and records it. The runtime learns everything from the files it writes.
public enum ContainerShim {
    /// Runs the container to its end; the return value is the shim's own exit status.
    public static func run(containerDirectory: String) -> Int32 {
        signal(SIGPIPE, SIG_IGN)
        do {
            try supervise(containerDirectory)
            return 0
        } catch {
            let message = "\(error)"
            FileHandle.standardError.write(Data(("runtime-shim: " + message + "\n").utf8))
            if !Posix.fileExists(StateStore.exitFile(in: containerDirectory)) {
                recordExit(in: containerDirectory, code: ContainerLauncher.failureExitCode, reason: "StartError", message: message)
            }
            return 1
        }
    }

    private static func supervise(_ directory: String) throws {
        guard let record = try StateStore.read(ContainerRecord.self, from: StateStore.containerFile(in: directory)) else {
            throw RuntimeProcessError("no container.json in \(directory)")
        }
        let config = record.config
        let log = try CRILogFile(path: record.logPath)
        let spec = LaunchSpec(arguments: config.command + config.args, environment: config.env.map { "\($0.name)=\($0.value)" },
                              workingDirectory: record.workingDirectory, cgroupProcsFiles: record.cgroup?.procsFiles ?? [],
                              bindMounts: record.bindMounts, controllingTerminal: config.tty, deleteAfterReading: false,
                              identity: ProcessIdentity.from(config.security),
                              noNewPrivileges: config.security?.noNewPrivileges ?? false)
        let specPath = StateStore.launchFile(in: directory)
        try StateStore.write(spec, to: specPath)

        var childDescriptors: [Int32: Int32] = [:]
        var closeAfterSpawn: [Int32] = []
        var outputs: [(fd: Int32, stream: CRILogLine.Stream)] = []
        var stdinSink: Int32?
        var terminalPath: String?
        if config.tty {
            let terminal = try PseudoTerminal.open()
            childDescriptors = [0: terminal.slave, 1: terminal.slave, 2: terminal.slave]
            closeAfterSpawn.append(terminal.slave)
            outputs = [(terminal.master, .stdout)]
            terminalPath = terminal.path
            if config.stdin { stdinSink = terminal.master }
        } else {
            let out = try Posix.pipe(), err = try Posix.pipe()
            childDescriptors[1] = out.write
            childDescriptors[2] = err.write
            closeAfterSpawn += [out.write, err.write]
            outputs = [(out.read, .stdout), (err.read, .stderr)]
            if config.stdin {
                let input = try Posix.pipe()
                childDescriptors[0] = input.read
                closeAfterSpawn.append(input.read)
                stdinSink = input.write
            } else {
                let null = try Posix.openDevNull(O_RDONLY)
                childDescriptors[0] = null
                closeAfterSpawn.append(null)
            }
        }
        let status = try Posix.pipe()
        childDescriptors[ContainerLauncher.statusDescriptor] = status.write
        closeAfterSpawn.append(status.write)

        let invocation = try LauncherInvocation.command(shimExecutable: Posix.currentExecutable(), specPath: specPath,
                                                        newMountNamespace: !record.bindMounts.isEmpty)
        let pid = try Spawner(executable: invocation.executable, arguments: invocation.arguments,
                              environment: LauncherInvocation.toolEnvironment, descriptors: childDescriptors,
                              grouping: config.tty ? .newSession : .newProcessGroup).spawn()
        for fd in closeAfterSpawn { close(fd) }

        var failure: [UInt8] = []
        while let chunk = Posix.readChunk(status.read) { failure += chunk }
        close(status.read)
        if !failure.isEmpty {
            _ = Posix.waitStatus(pid)
            recordExit(in: directory, code: ContainerLauncher.failureExitCode, reason: "StartError",
                       message: String(decoding: failure, as: UTF8.self))
            return
        }
        try StateStore.write(StartedRecord(pid: pid, startTicks: ProcFS.startTicks(pid) ?? 0, startedAt: Date(),
                                               terminal: terminalPath),
                             to: StateStore.startedFile(in: directory))

        let relays = DispatchGroup()
        for output in outputs {
            relays.enter()
            Thread {
                var splitter = CRILogSplitter(stream: output.stream)
                while let chunk = Posix.readChunk(output.fd) { log.append(splitter.feed(chunk)) }
                log.append(splitter.finish())
                relays.leave()
            }.start()
        }
        if let sink = stdinSink {
            let fifo = StateStore.stdinFIFO(in: directory)
            let once = config.stdinOnce, tty = config.tty
            Thread { relayStdin(from: fifo, to: sink, once: once, tty: tty) }.start()
        }

        let exitCode = Posix.waitStatus(pid).map(Posix.exitCode(fromWaitStatus:)) ?? 255
        let finishedAt = Date()
        // The container is its process group (and cgroup): nothing of it outlives its main process.
        kill(-pid, SIGKILL)
        record.cgroup?.killAll()
        _ = relays.wait(timeout: .now() + 5)
        let reason: String
        if exitCode != 0, let cgroup = record.cgroup, cgroup.oomKillCount() > 0 {
            reason = "OOMKilled"
        } else {
            reason = exitCode == 0 ? "Completed" : "Error"
        }
        try StateStore.write(ExitRecord(exitCode: exitCode, finishedAt: finishedAt, reason: reason, message: ""),
                             to: StateStore.exitFile(in: directory))
    }

    /// Copies each attach session's input from the FIFO into the container. The FIFO is opened
    /// anew per writer; with `stdinOnce` the container's stdin closes when the first one ends.
    private static func relayStdin(from fifo: String, to sink: Int32, once: Bool, tty: Bool) {
        while true {
            let fd = open(fifo, O_RDONLY | O_CLOEXEC)
            if fd < 0 {
                if errno == EINTR { continue }
                return
            }
            var sinkOpen = true
            while sinkOpen, let chunk = Posix.readChunk(fd) { sinkOpen = Posix.writeAll(sink, chunk) }
            close(fd)
            if !sinkOpen { return }
            if once {
                // A terminal has no end of file; ^D is what ends its input.
                if tty { Posix.writeAll(sink, [0x04]) } else { close(sink) }
                return
            }
        }
    }

    static func recordExit(in directory: String, code: Int32, reason: String, message: String) {
        try? StateStore.write(ExitRecord(exitCode: code, finishedAt: Date(), reason: reason, message: message),
                              to: StateStore.exitFile(in: directory))
    }
}
