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

    public func spawn() throws(ShimError) -> pid_t {
        // Move every source above the targets first so no dup2 overwrites a later source.
        var raised: [Int32: Int32] = [:]
        defer { for fd in raised.values { close(fd) } }
        for (target, source) in descriptors {
            let high = fcntl(source, F_DUPFD_CLOEXEC, 100)
            guard high >= 0 else { throw ShimError(Sys.errorMessage("dup descriptor \(source)")) }
            raised[target] = high
        }

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
