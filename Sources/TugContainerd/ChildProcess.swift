#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif
import Foundation

/// How a child ended, as `waitpid` reports it.
public enum ChildExit: Sendable, Hashable, CustomStringConvertible {
    case exited(Int32)
    case signaled(Int32)

    public var description: String {
        switch self {
        case .exited(let code): "exited with status \(code)"
        case .signaled(let signal): "was killed by signal \(signal)"
        }
    }
}

/// Starting and reaping child processes with `posix_spawn` (never fork in a multi-threaded
/// process): chosen descriptors, default signal dispositions, optionally its own process group
/// so a terminal's Ctrl-C reaches the parent first and the parent decides how the child stops.
enum ChildProcess {
    static func spawn(
        executable: String,
        arguments: [String],
        environment: [String]? = nil,
        stdin: Int32? = nil,
        stdout: Int32,
        stderr: Int32,
        newProcessGroup: Bool
    ) throws -> pid_t {
        let devNull = open("/dev/null", O_RDONLY | O_CLOEXEC)
        guard devNull >= 0 else { throw ContainerdError("cannot open /dev/null: \(String(cString: strerror(errno)))") }
        defer { close(devNull) }
        // A descriptor shared with the parent keeps its offset: start reading input at its beginning.
        if let stdin { lseek(stdin, 0, SEEK_SET) }

        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        // dup2 clears close-on-exec on the target, so CLOEXEC sources still reach the child.
        posix_spawn_file_actions_adddup2(&actions, stdin ?? devNull, 0)
        posix_spawn_file_actions_adddup2(&actions, stdout, 1)
        posix_spawn_file_actions_adddup2(&actions, stderr, 2)
        if let closeFrom = closeFromAction {
            _ = closeFrom(&actions, 3)
        } else {
            // Older C libraries: close what is open now (glibc ignores a close of a closed descriptor).
            let open = (try? FileManager.default.contentsOfDirectory(atPath: "/proc/self/fd"))?.compactMap { Int32($0) } ?? []
            for fd in open where fd > 2 { posix_spawn_file_actions_addclose(&actions, fd) }
        }

        var attributes = posix_spawnattr_t()
        posix_spawnattr_init(&attributes)
        defer { posix_spawnattr_destroy(&attributes) }
        var flags = Int32(POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF)
        if newProcessGroup {
            flags |= Int32(POSIX_SPAWN_SETPGROUP)
            posix_spawnattr_setpgroup(&attributes, 0)
        }
        posix_spawnattr_setflags(&attributes, Int16(flags))
        var noSignals = sigset_t()
        sigemptyset(&noSignals)
        posix_spawnattr_setsigmask(&attributes, &noSignals)
        var everySignal = sigset_t()
        sigfillset(&everySignal)
        posix_spawnattr_setsigdefault(&attributes, &everySignal)

        var argv: [UnsafeMutablePointer<CChar>?] = ([executable] + arguments).map { strdup($0) } + [nil]
        defer { for pointer in argv { free(pointer) } }
        var envp: [UnsafeMutablePointer<CChar>?] = (environment ?? []).map { strdup($0) } + [nil]
        defer { for pointer in envp { free(pointer) } }
        var pid: pid_t = 0
        let result = environment == nil
            ? posix_spawn(&pid, executable, &actions, &attributes, &argv, environ)
            : posix_spawn(&pid, executable, &actions, &attributes, &argv, &envp)
        guard result == 0 else {
            throw ContainerdError("cannot start \(executable): \(String(cString: strerror(result)))")
        }
        return pid
    }

    /// The child's exit when it has ended (and reaps it), nil while it runs.
    static func reap(_ pid: pid_t) -> ChildExit? {
        var status: Int32 = 0
        let result = waitpid(pid, &status, WNOHANG)
        if result == pid { return decode(status) }
        if result < 0, errno == ECHILD { return .exited(-1) } // not our child (any more): nothing to wait for
        return nil
    }

    /// Waits (polling, never blocking a thread) until the child ends or `timeout` passes.
    static func wait(_ pid: pid_t, timeout: Duration) async -> ChildExit? {
        let deadline = ContinuousClock.now + timeout
        var pause = Duration.milliseconds(5)
        while true {
            if let exit = reap(pid) { return exit }
            if ContinuousClock.now >= deadline { return nil }
            try? await Task.sleep(for: pause)
            if Task.isCancelled { usleep(20_000) } // a cancelled sleep returns at once: still pace the loop
            pause = min(pause * 2, .milliseconds(100))
        }
    }

    /// Whether any process (child or not) has this pid.
    static func exists(_ pid: pid_t) -> Bool {
        kill(pid, 0) == 0 || errno == EPERM
    }

    private static func decode(_ status: Int32) -> ChildExit {
        let signal = status & 0x7F
        return signal == 0 ? .exited((status >> 8) & 0xFF) : .signaled(signal)
    }

    private typealias CloseFrom = @convention(c) (UnsafeMutablePointer<posix_spawn_file_actions_t>, Int32) -> Int32

    /// glibc's `posix_spawn_file_actions_addclosefrom_np` (2.34+; a GNU extension Swift does not
    /// import), so the child keeps no descriptor but 0, 1 and 2.
    private static let closeFromAction: CloseFrom? = {
        guard let handle = dlopen(nil, RTLD_NOW),
              let symbol = dlsym(handle, "posix_spawn_file_actions_addclosefrom_np") else { return nil }
        return unsafeBitCast(symbol, to: CloseFrom.self)
    }()
}
