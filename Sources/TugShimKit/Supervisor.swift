#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// `tug-shim run DIR`: the parent of one container's process. Started detached (own session) by
/// the process runtime, it outlives the agent: it starts the container through the launcher,
/// relays stdout/stderr into the CRI log file and stdin from the container's FIFO, waits for the
/// exit and records it. The runtime learns everything from the files it writes; descriptor 3,
/// when open, is closed once `started.json` or `exit.json` exists, so the runtime need not poll.
public enum Supervisor {
    public static let readyDescriptor: Int32 = 3

    /// Runs the container to its end; the return value is the shim's own exit status.
    public static func run(containerDirectory directory: String) -> Int32 {
        signal(SIGPIPE, SIG_IGN)
        let exitFile = ShimSpec.exitFile(in: directory)
        do {
            try supervise(directory)
            return 0
        } catch {
            Sys.writeAll(2, Array("tug-shim: \(error)\n".utf8))
            if !Sys.fileExists(exitFile) {
                try? ShimRecords.writeExit(code: Launcher.failureExitCode, finishedAt: .now(), reason: "StartError",
                                           message: error.description, to: exitFile)
            }
            announceReady()
            return 1
        }
    }

    private static func announceReady() {
        if fcntl(readyDescriptor, F_GETFD) >= 0 { close(readyDescriptor) }
    }

    private static func supervise(_ directory: String) throws(ShimError) {
        let spec = try ShimSpec(SpecFile.read(from: ShimSpec.specFile(in: directory)))
        let log = try CRILogFile(path: spec.logPath)

        var childDescriptors: [Int32: Int32] = [:]
        var closeAfterSpawn: [Int32] = []
        var outputs: [(fd: Int32, stream: String)] = []
        var stdinSink: Int32?
        var terminalPath: String?
        if spec.tty {
            let terminal = try PseudoTerminal.open()
            childDescriptors = [0: terminal.slave, 1: terminal.slave, 2: terminal.slave]
            closeAfterSpawn.append(terminal.slave)
            outputs = [(terminal.master, "stdout")]
            terminalPath = terminal.path
            if spec.stdin { stdinSink = terminal.master }
        } else {
            let out = try Sys.pipe(), err = try Sys.pipe()
            childDescriptors[1] = out.write
            childDescriptors[2] = err.write
            closeAfterSpawn += [out.write, err.write]
            outputs = [(out.read, "stdout"), (err.read, "stderr")]
            if spec.stdin {
                let input = try Sys.pipe()
                childDescriptors[0] = input.read
                closeAfterSpawn.append(input.read)
                stdinSink = input.write
            } else {
                let null = try Sys.openDevNull(O_RDONLY)
                childDescriptors[0] = null
                closeAfterSpawn.append(null)
            }
        }
        let status = try Sys.pipe()
        childDescriptors[Launcher.statusDescriptor] = status.write
        closeAfterSpawn.append(status.write)

        // The launcher runs in a fork of this (still single-threaded) process rather than as
        // `tug-shim launch`: one exec less per container start.
        let launchFile = spec.launchFile
        let pid = try Spawner.forkRunning(descriptors: childDescriptors, grouping: spec.tty ? .newSession : .newProcessGroup) {
            Launcher.run(specPath: launchFile)
        }
        for fd in closeAfterSpawn { close(fd) }

        var failure: [UInt8] = []
        while let chunk = Sys.readChunk(status.read) { failure += chunk }
        close(status.read)
        if !failure.isEmpty {
            _ = Sys.waitStatus(pid)
            try ShimRecords.writeExit(code: Launcher.failureExitCode, finishedAt: .now(), reason: "StartError",
                                      message: String(decoding: failure, as: UTF8.self), to: ShimSpec.exitFile(in: directory))
            announceReady()
            return
        }
        try ShimRecords.writeStarted(pid: pid, startTicks: ProcStat.startTicks(pid) ?? 0, startedAt: .now(), terminal: terminalPath,
                                     to: ShimSpec.startedFile(in: directory))
        announceReady()

        // Each relay writes a byte here when its stream ends.
        let finished = try Sys.pipe()
        for output in outputs {
            Sys.startThread {
                var splitter = CRILogSplitter(stream: output.stream)
                while let chunk = Sys.readChunk(output.fd) { log.append(splitter.feed(chunk)) }
                log.append(splitter.finish())
                close(output.fd)
                Sys.writeAll(finished.write, [1])
            }
        }
        if let sink = stdinSink {
            let fifo = spec.stdinFIFO, once = spec.stdinOnce, tty = spec.tty
            Sys.startThread { relayStdin(from: fifo, to: sink, once: once, tty: tty) }
        }

        let exitCode = Sys.waitStatus(pid).map(Sys.exitCode(fromWaitStatus:)) ?? 255
        let finishedAt = Timestamp.now()
        // The container is its process group (and cgroup): nothing of it outlives its main process.
        kill(-pid, SIGKILL)
        killCgroup(spec.cgroupProcsFiles)
        awaitRelays(outputs.count, on: finished.read, seconds: 5)
        let reason: String
        if exitCode != 0, let file = spec.oomEventsFile, oomKills(file) > 0 {
            reason = "OOMKilled"
        } else {
            reason = exitCode == 0 ? "Completed" : "Error"
        }
        try ShimRecords.writeExit(code: exitCode, finishedAt: finishedAt, reason: reason, message: "", to: ShimSpec.exitFile(in: directory))
    }

    /// Waits until `count` relays have flushed their last lines, at most `seconds`.
    private static func awaitRelays(_ count: Int, on fd: Int32, seconds: Int) {
        var remaining = count
        let deadline = Timestamp.now().seconds + seconds
        while remaining > 0 {
            let left = deadline - Timestamp.now().seconds
            if left <= 0 { return }
            var pollFD = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
            let ready = poll(&pollFD, 1, Int32(left * 1000))
            if ready < 0 && errno == EINTR { continue }
            guard ready > 0, let chunk = Sys.readChunk(fd, size: remaining) else { return }
            remaining -= chunk.count
        }
    }

    /// SIGKILLs everything in the cgroup until it is empty (bounded).
    static func killCgroup(_ procsFiles: [String]) {
        for _ in 0..<100 {
            var pids: [Int32] = []
            for file in procsFiles {
                for line in (Sys.readText(file) ?? "").split(separator: "\n") { if let pid = Int32(line) { pids.append(pid) } }
            }
            if pids.isEmpty { return }
            for pid in pids { kill(pid, SIGKILL) }
            usleep(10_000)
        }
    }

    /// The `oom_kill` count of memory.oom_control (v1) or memory.events (v2).
    static func oomKills(_ file: String) -> Int {
        for line in (Sys.readText(file) ?? "").split(separator: "\n") {
            let parts = line.split(separator: " ")
            if parts.count == 2, parts[0] == "oom_kill" { return Int(parts[1]) ?? 0 }
        }
        return 0
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
            while sinkOpen, let chunk = Sys.readChunk(fd) { sinkOpen = Sys.writeAll(sink, chunk) }
            close(fd)
            if !sinkOpen { return }
            if once {
                // A terminal has no end of file; ^D is what ends its input.
                if tty { Sys.writeAll(sink, [0x04]) } else { close(sink) }
                return
            }
        }
    }
}

/// `/proc/PID/stat`'s start time, which with the pid names a process for good (pids are reused).
public enum ProcStat {
    public static func startTicks(_ pid: Int32) -> UInt64? {
        guard let text = Sys.readText("/proc/\(pid)/stat"), let close = text.lastIndex(of: ")") else { return nil }
        // Fields after the command name start at field 3 (state); starttime is field 22.
        let fields = text[text.index(after: close)...].split(separator: " ")
        return fields.count > 19 ? UInt64(fields[19]) : nil
    }
}
