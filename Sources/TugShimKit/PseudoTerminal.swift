#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// A pseudo-terminal pair for `tty: true` containers and execs.
public enum PseudoTerminal {
    /// TIOCSPTLCK and TIOCGPTN (`_IOW('T', 0x31, int)`, `_IOR('T', 0x30, unsigned int)`).
    private static let setLock: UInt = 0x4004_5431
    private static let getNumber: UInt = 0x8004_5430

    /// Opens a master and its slave, both close-on-exec (the spawner hands the slave down).
    public static func open() throws(ShimError) -> (master: Int32, slave: Int32, path: String) {
        // posix_openpt/unlockpt are hidden from Swift; on Linux they are /dev/ptmx and two ioctls
        // (grantpt has nothing to do with devpts).
        let master = Glibc.open("/dev/ptmx", O_RDWR | O_NOCTTY | O_CLOEXEC)
        guard master >= 0 else { throw ShimError(Sys.errorMessage("cannot open a pseudo-terminal")) }
        var unlock: Int32 = 0
        var number: UInt32 = 0
        guard ioctl(master, setLock, &unlock) == 0, ioctl(master, getNumber, &number) == 0 else {
            let message = Sys.errorMessage("cannot unlock the pseudo-terminal")
            close(master)
            throw ShimError(message)
        }
        let slave = Glibc.open("/dev/pts/\(number)", O_RDWR | O_NOCTTY | O_CLOEXEC)
        guard slave >= 0 else {
            let message = Sys.errorMessage("cannot open /dev/pts/\(number)")
            close(master)
            throw ShimError(message)
        }
        return (master, slave, "/dev/pts/\(number)")
    }

    public static func resize(_ fd: Int32, rows: UInt16, columns: UInt16) {
        var window = winsize(ws_row: rows, ws_col: columns, ws_xpixel: 0, ws_ypixel: 0)
        _ = ioctl(fd, UInt(TIOCSWINSZ), &window)
    }
}
