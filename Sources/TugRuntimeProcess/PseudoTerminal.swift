#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif
import TugRuntime

/// A pseudo-terminal pair for `tty: true` containers and execs.
enum PseudoTerminal {
    /// TIOCSPTLCK and TIOCGPTN (`_IOW('T', 0x31, int)`, `_IOR('T', 0x30, unsigned int)`).
    private static let setLock: UInt = 0x4004_5431
    private static let getNumber: UInt = 0x8004_5430

    /// Opens a master and its slave, both close-on-exec (the spawner hands the slave down).
    static func open() throws -> (master: Int32, slave: Int32, path: String) {
        // posix_openpt/unlockpt are hidden from Swift; on Linux they are /dev/ptmx and two ioctls
        // (grantpt has nothing to do with devpts).
        let master = Glibc.open("/dev/ptmx", O_RDWR | O_NOCTTY | O_CLOEXEC)
        guard master >= 0 else { throw RuntimeProcessError(Posix.errorMessage("cannot open a pseudo-terminal")) }
        var unlock: Int32 = 0
        var number: UInt32 = 0
        guard ioctl(master, setLock, &unlock) == 0, ioctl(master, getNumber, &number) == 0 else {
            let message = Posix.errorMessage("cannot unlock the pseudo-terminal")
            close(master)
            throw RuntimeProcessError(message)
        }
        let slave = Glibc.open("/dev/pts/\(number)", O_RDWR | O_NOCTTY | O_CLOEXEC)
        guard slave >= 0 else {
            let message = Posix.errorMessage("cannot open /dev/pts/\(number)")
            close(master)
            throw RuntimeProcessError(message)
        }
        return (master, slave, "/dev/pts/\(number)")
    }

    static func resize(_ fd: Int32, to size: TerminalSize) {
        var window = winsize(ws_row: size.height, ws_col: size.width, ws_xpixel: 0, ws_ypixel: 0)
        _ = ioctl(fd, UInt(TIOCSWINSZ), &window)
    }
}

/// How the launcher is invoked: directly, in a new private mount namespace (the container has
/// bind mounts), or inside an existing container's mount namespace (exec).
enum LauncherInvocation {
    static func command(shimExecutable: String, specPath: String, newMountNamespace: Bool = false,
                        enterMountNamespaceOf pid: Int32? = nil) throws -> (executable: String, arguments: [String]) {
        let launcher = [shimExecutable, "runtime-shim", "--launch", specPath]
        if newMountNamespace {
            let unshare = try hostTool("unshare")
            return (unshare, [unshare, "--mount", "--propagation", "private", "--"] + launcher)
        }
        if let pid {
            let nsenter = try hostTool("nsenter")
            return (nsenter, [nsenter, "--mount", "--target", "\(pid)", "--"] + launcher)
        }
        return (shimExecutable, launcher)
    }

    /// A util-linux tool from the host's usual places.
    static func hostTool(_ name: String) throws -> String {
        for directory in ["/usr/bin", "/bin", "/usr/sbin", "/sbin", "/usr/local/bin"] where access(directory + "/" + name, X_OK) == 0 {
            return directory + "/" + name
        }
        throw RuntimeProcessError("the process runtime needs util-linux's \(name) for containers with mounts; install util-linux")
    }

    /// The environment the shim and launcher themselves run with (the container's own is applied at exec).
    static let toolEnvironment = ["PATH=" + ExecutableLookup.defaultPath]
}
