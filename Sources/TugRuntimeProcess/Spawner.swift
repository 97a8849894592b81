#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif
import Foundation

/// Starts a child with `posix_spawn`: no fork of a multi-threaded Swift process, default signal
/// handling and an empty signal mask in the child (the parent may ignore SIGPIPE), only the
/// descriptors asked for, and optionally a new session or process group.
struct Spawner {
    enum Grouping { case inherit, newProcessGroup, newSession }

    var executable: String
    var arguments: [String]
    var environment: [String]
    /// Child descriptor number -> the parent's descriptor to put there.
    var descriptors: [Int32: Int32]
    var grouping: Grouping = .inherit

    func spawn() throws -> pid_t {
        // Move every source above the targets first so no dup2 overwrites a later source.
        var raised: [Int32: Int32] = [:]
        defer { for fd in raised.values { close(fd) } }
        for (target, source) in descriptors {
            let high = fcntl(source, F_DUPFD_CLOEXEC, 100)
            guard high >= 0 else { throw RuntimeProcessError(Posix.errorMessage("dup descriptor \(source)")) }
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
        guard result == 0 else { throw RuntimeProcessError("cannot start \(executable): \(Posix.describe(result))") }
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
        let names = (try? FileManager.default.contentsOfDirectory(atPath: "/proc/self/fd")) ?? []
        return names.compactMap { Int32($0) }
    }
}

/// A NULL-terminated `char *[]` for the duration of `body`.
func withCStringArray<R>(_ strings: [String], _ body: ([UnsafeMutablePointer<CChar>?]) -> R) -> R {
    var pointers: [UnsafeMutablePointer<CChar>?] = strings.map { strdup($0) }
    pointers.append(nil)
    defer { for p in pointers { free(p) } }
    return body(pointers)
}
