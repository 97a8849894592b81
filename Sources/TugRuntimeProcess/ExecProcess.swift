#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif
import Foundation
import TugShimKit
import Synchronization
import TugRuntime

/// A command started inside a running container: its environment, working folder, cgroup and
/// (when it has one) mount namespace. Owns the parent's ends of its stdio.
final class ExecProcess: Sendable {
    let pid: pid_t
    /// The pty master with a terminal: input goes to it and resizes apply to it.
    let terminal: Int32?
    /// Output readers, handed to whoever drains them (they close them at end of file).
    let stdout: Int32
    let stderr: Int32?
    /// Parent descriptors still to close: the stdin pipe's write end and the pty master.
    private let open: Mutex<Set<Int32>>
    private let stdinWriter: Int32?

    private init(pid: pid_t, stdinWriter: Int32?, stdout: Int32, stderr: Int32?, terminal: Int32?) {
        self.pid = pid
        self.stdinWriter = stdinWriter
        self.stdout = stdout
        self.stderr = stderr
        self.terminal = terminal
        self.open = Mutex(Set([stdinWriter, terminal].compactMap { $0 }))
    }

    /// Where the caller's stdin goes; nil when the command has none.
    var input: Int32? { terminal ?? stdinWriter }

    /// Starts `command`; throws with the launcher's message when it cannot be exec'd (e.g. not
    /// found in the container's PATH).
    static func start(_ command: [String], in record: ContainerRecord, process: StartedRecord, containerDirectory: String,
                      shimExecutable: String, tty: Bool, withStdin: Bool) async throws -> ExecProcess {
        guard !command.isEmpty else { throw RuntimeError.invalidConfig("exec needs a command to run") }
        let specPath = containerDirectory + "/exec-\(StateStore.newID()).spec"
        let spec = LaunchSpec(arguments: command, environment: record.config.env.map { "\($0.name)=\($0.value)" },
                              workingDirectory: record.workingDirectory, cgroupProcsFiles: record.cgroup?.procsFiles ?? [],
                              mountNamespace: record.bindMounts.isEmpty ? .inherit : .enter(pid: process.pid),
                              controllingTerminal: tty, identity: ProcessIdentity.from(record.config.security),
                              noNewPrivileges: record.config.security?.noNewPrivileges ?? false, deleteAfterReading: true)
        do {
            try spec.specFile.write(to: specPath)
        } catch {
            throw RuntimeError.failed("cannot exec in container \(record.config.name): \(error)")
        }
        var descriptors: [Int32: Int32] = [:]
        var closeAfterSpawn: [Int32] = []
        var keep: (stdin: Int32?, stdout: Int32, stderr: Int32?, terminal: Int32?)
        do {
            if tty {
                let pty = try PseudoTerminal.open()
                descriptors = [0: pty.slave, 1: pty.slave, 2: pty.slave]
                closeAfterSpawn.append(pty.slave)
                let reader = fcntl(pty.master, F_DUPFD_CLOEXEC, 0)
                keep = (nil, reader, nil, pty.master)
            } else {
                let out = try Sys.pipe(), err = try Sys.pipe()
                descriptors[1] = out.write
                descriptors[2] = err.write
                closeAfterSpawn += [out.write, err.write]
                var input: Int32?
                if withStdin {
                    let p = try Sys.pipe()
                    descriptors[0] = p.read
                    closeAfterSpawn.append(p.read)
                    input = p.write
                } else {
                    let null = try Sys.openDevNull(O_RDONLY)
                    descriptors[0] = null
                    closeAfterSpawn.append(null)
                }
                keep = (input, out.read, err.read, nil)
            }
        } catch {
            unlink(specPath)
            throw RuntimeError.failed("cannot set up exec in container \(record.config.name): \(error)")
        }
        let status = try Sys.pipe()
        descriptors[Launcher.statusDescriptor] = status.write
        closeAfterSpawn.append(status.write)

        let pid: pid_t
        do {
            pid = try Spawner(executable: shimExecutable, arguments: [shimExecutable, "launch", specPath],
                              environment: ["PATH=" + ExecutableLookup.defaultPath], descriptors: descriptors,
                              grouping: tty ? .newSession : .newProcessGroup).spawn()
        } catch {
            for fd in closeAfterSpawn + [status.read, keep.stdout] + [keep.stdin, keep.stderr, keep.terminal].compactMap({ $0 }) { close(fd) }
            unlink(specPath)
            throw RuntimeError.failed("cannot exec in container \(record.config.name): \(error)")
        }
        for fd in closeAfterSpawn { close(fd) }
        let failure: [UInt8] = await Blocking.run {
            var bytes: [UInt8] = []
            while let chunk = Sys.readChunk(status.read) { bytes += chunk }
            close(status.read)
            return bytes
        }
        let process = ExecProcess(pid: pid, stdinWriter: keep.stdin, stdout: keep.stdout, stderr: keep.stderr, terminal: keep.terminal)
        if !failure.isEmpty {
            unlink(specPath)
            _ = await Blocking.waitExitCode(pid)
            process.closeAll()
            close(keep.stdout)
            if let err = keep.stderr { close(err) }
            throw RuntimeError.failed("cannot exec in container \(record.config.name): \(String(decoding: failure, as: UTF8.self))")
        }
        return process
    }

    /// Kills the command and everything it started in its group or session.
    func kill() { Glibc.kill(-pid, SIGKILL) }

    /// Closes the input: end of file for a pipe; a terminal gets ^D, its end-of-input key.
    func closeStdin() {
        if let terminal {
            if open.withLock({ $0.contains(terminal) }) { Sys.writeAll(terminal, [0x04]) }
        } else if let stdinWriter {
            closeOnce(stdinWriter)
        }
    }

    func closeAll() {
        for fd in [stdinWriter, terminal].compactMap({ $0 }) { closeOnce(fd) }
    }

    private func closeOnce(_ fd: Int32) {
        if open.withLock({ $0.remove(fd) }) != nil { close(fd) }
    }
}
