#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// Starts a child with `posix_spawn`: no fork of a multi-threaded Swift process, default signal
/// handling and an empty signal mask in the child (the parent may ignore SIGPIPE), only the
/// descriptors asked for, and optionally a new session or process group.
public struct Spawner {
    public enum Grouping { case inherit, newProcessGroup, newSession }

    public var executable: String
    public var arguments: [String]
    public var environment: [String]
    /// Child descriptor number -> the parent's descriptor to put there.
    public var descriptors: [Int32: Int32]
    public var grouping: Grouping

    public init(executable: String, arguments: [String], environment: [String], descriptors: [Int32: Int32], grouping: Grouping = .inherit) {
        self.executable = executable
        self.arguments = arguments
        self.environment = environment
        self.descriptors = descriptors
        self.grouping = grouping
    }

    /// Copies of the sources above every target (close-on-exec), so that no dup2 in the child
    /// overwrites a source it still needs.
    private static func raise(_ descriptors: [Int32: Int32]) throws(ShimError) -> [Int32: Int32] {
        var raised: [Int32: Int32] = [:]
        for (target, source) in descriptors {
            let high = fcntl(source, F_DUPFD_CLOEXEC, 100)
            guard high >= 0 else {
                for fd in raised.values { close(fd) }
                throw ShimError(Sys.errorMessage("dup descriptor \(source)"))
            }
            raised[target] = high
        }
        return raised
    }

    public func spawn() throws(ShimError) -> pid_t {
        let raised = try Self.raise(descriptors)
        defer { for fd in raised.values { close(fd) } }

        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        for (target, source) in raised { posix_spawn_file_actions_adddup2(&actions, source, target) }
        let firstUnused = max(descriptors.keys.max() ?? 2, 2) + 1
        if let closeFrom = Self.addCloseFrom {
            _ = closeFrom(&actions, firstUnused)
        } else {
            for fd in Self.openDescriptors() where fd >= firstUnused && !raised.values.contains(fd) {
                posix_spawn_file_actions_addclose(&actions, fd)
            }
        }

        var attributes = posix_spawnattr_t()
        posix_spawnattr_init(&attributes)
        defer { posix_spawnattr_destroy(&attributes) }
        var flags = Int32(POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF)
        switch grouping {
        case .inherit: break
        case .newProcessGroup:
            flags |= Int32(POSIX_SPAWN_SETPGROUP)
            posix_spawnattr_setpgroup(&attributes, 0)
        case .newSession:
            flags |= Self.setSessionFlag
        }
        posix_spawnattr_setflags(&attributes, Int16(flags))
        var emptyMask = sigset_t()
        sigemptyset(&emptyMask)
        posix_spawnattr_setsigmask(&attributes, &emptyMask)
        var allSignals = sigset_t()
        sigfillset(&allSignals)
        posix_spawnattr_setsigdefault(&attributes, &allSignals)

        var pid: pid_t = 0
        let result = withCStringArray(arguments) { argv in
            withCStringArray(environment) { envp in
                posix_spawn(&pid, executable, &actions, &attributes, argv, envp)
            }
        }
        guard result == 0 else { throw ShimError("cannot start \(executable): \(Sys.describe(result))") }
        return pid
    }
}

extension Spawner {
    /// Forks and runs `child` in the new process, set up as `spawn` sets up an exec'd child: the
    /// descriptors asked for and no others, default signal handling, an empty signal mask, the
    /// grouping asked for. Saves an exec where the child's work is code this binary already has.
    /// Only for a single-threaded caller: after fork only the forking thread exists, so locks
    /// another thread held (in malloc, in the Swift runtime) would never be released.
    public static func forkRunning(descriptors: [Int32: Int32], grouping: Grouping, running child: () -> Never) throws(ShimError) -> pid_t {
        let raised = try raise(descriptors)
        defer { for fd in raised.values { close(fd) } }
        let firstUnused = max(descriptors.keys.max() ?? 2, 2) + 1
        let pid = fork()
        if pid < 0 { throw ShimError(Sys.errorMessage("fork")) }
        if pid == 0 {
            for (target, source) in raised where dup2(source, target) < 0 { _exit(127) }
            for fd in openDescriptors() where fd >= firstUnused { close(fd) }
            for number in 1..<Int32(65) where number != SIGKILL && number != SIGSTOP { _ = signal(number, SIG_DFL) }
            var emptyMask = sigset_t()
            sigemptyset(&emptyMask)
            sigprocmask(SIG_SETMASK, &emptyMask, nil)
            switch grouping {
            case .inherit: break
            case .newProcessGroup: setpgid(0, 0)
            case .newSession: setsid()
            }
            child()
        }
        // Also here, so that the group exists before the caller signals it, whichever runs first.
        if grouping == .newProcessGroup { setpgid(pid, pid) }
        return pid
    }

    /// glibc's `POSIX_SPAWN_SETSID` (not visible to Swift without _GNU_SOURCE).
    static let setSessionFlag: Int32 = 0x80

    typealias AddCloseFrom = @convention(c) (UnsafeMutablePointer<posix_spawn_file_actions_t>, Int32) -> Int32

    /// `posix_spawn_file_actions_addclosefrom_np` (glibc 2.34+), looked up at run time because
    /// Swift does not see GNU extensions.
    static let addCloseFrom: AddCloseFrom? = {
        guard let handle = dlopen(nil, RTLD_NOW),
              let symbol = dlsym(handle, "posix_spawn_file_actions_addclosefrom_np") else { return nil }
        return unsafeBitCast(symbol, to: AddCloseFrom.self)
    }()

    /// Descriptors open in this process, for closing them in a child when closefrom is missing.
    static func openDescriptors() -> [Int32] {
        guard let directory = opendir("/proc/self/fd") else { return [] }
        defer { closedir(directory) }
        var result: [Int32] = []
        while let entry = readdir(directory) {
            let name = withUnsafeBytes(of: entry.pointee.d_name) { String(decoding: $0.prefix(while: { $0 != 0 }), as: UTF8.self) }
            if let fd = Int32(name) { result.append(fd) }
        }
        return result
    }
}
