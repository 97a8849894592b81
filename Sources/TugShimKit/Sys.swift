#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// The few system calls the shim and the process runtime share, with EINTR and short
/// reads/writes handled once.
public enum Sys {
    public static func describe(_ code: Int32) -> String { String(cString: strerror(code)) }

    public static func errorMessage(_ what: String, _ code: Int32 = errno) -> String { "\(what): \(describe(code))" }

    /// A pipe with both ends close-on-exec. Not atomic with the pipe's creation (pipe2 is hidden
    /// from Swift), but children get only what `Spawner` hands down, so nothing leaks.
    public static func pipe() throws(ShimError) -> (read: Int32, write: Int32) {
        var fds: [Int32] = [0, 0]
        guard Glibc.pipe(&fds) == 0 else { throw ShimError(errorMessage("cannot create a pipe")) }
        _ = fcntl(fds[0], F_SETFD, FD_CLOEXEC)
        _ = fcntl(fds[1], F_SETFD, FD_CLOEXEC)
        return (fds[0], fds[1])
    }

    public static func openDevNull(_ flags: Int32 = O_RDWR) throws(ShimError) -> Int32 {
        let fd = open("/dev/null", flags | O_CLOEXEC)
        guard fd >= 0 else { throw ShimError(errorMessage("cannot open /dev/null")) }
        return fd
    }

    /// Writes every byte, retrying on EINTR and short writes; false when the fd is gone.
    @discardableResult
    public static func writeAll(_ fd: Int32, _ bytes: [UInt8]) -> Bool {
        var offset = 0
        while offset < bytes.count {
            let n = bytes.withUnsafeBytes { raw in write(fd, raw.baseAddress! + offset, raw.count - offset) }
            if n < 0 {
                if errno == EINTR { continue }
                return false
            }
            offset += n
        }
        return true
    }

    /// One read of up to `size` bytes; nil at end of file or on error (EIO on a pty master
    /// means the terminal's last user has gone, which is an end too).
    public static func readChunk(_ fd: Int32, size: Int = 65536) -> [UInt8]? {
        var buffer = [UInt8](repeating: 0, count: size)
        while true {
            let n = buffer.withUnsafeMutableBytes { read(fd, $0.baseAddress!, size) }
            if n > 0 { return Array(buffer[0..<n]) }
            if n < 0, errno == EINTR { continue }
            return nil
        }
    }

    /// The whole file, or nil when it cannot be opened.
    public static func readFile(_ path: String) -> [UInt8]? {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { return nil }
        defer { close(fd) }
        var bytes: [UInt8] = []
        while let chunk = readChunk(fd) { bytes += chunk }
        return bytes
    }

    public static func readText(_ path: String) -> String? { readFile(path).map { String(decoding: $0, as: UTF8.self) } }

    /// Writes to a temporary file next to `path` and renames it over `path`, so readers see
    /// the old or the new file, never half of one.
    public static func writeAtomically(_ bytes: [UInt8], to path: String) throws(ShimError) {
        let temporary = path + ".tmp-\(getpid())-\(UInt32.random(in: 0...UInt32.max))"
        let fd = open(temporary, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o600)
        guard fd >= 0 else { throw ShimError(errorMessage("cannot write \(temporary)")) }
        let written = writeAll(fd, bytes)
        close(fd)
        guard written, rename(temporary, path) == 0 else {
            let message = errorMessage("cannot write \(path)")
            unlink(temporary)
            throw ShimError(message)
        }
    }

    /// `mkdir -p`.
    public static func makeDirectories(_ path: String, mode: mode_t = 0o755) throws(ShimError) {
        // The deepest folder first: usually only it is missing, and one mkdir does.
        if mkdir(path, mode) == 0 || errno == EEXIST { return }
        guard errno == ENOENT, let slash = path.lastIndex(of: "/"), slash != path.startIndex else {
            throw ShimError(errorMessage("cannot create directory \(path)"))
        }
        try makeDirectories(String(path[..<slash]), mode: mode)
        if mkdir(path, mode) != 0 && errno != EEXIST {
            throw ShimError(errorMessage("cannot create directory \(path)"))
        }
    }

    public static func fileExists(_ path: String) -> Bool { access(path, F_OK) == 0 }

    /// Waits for a child and returns its raw wait status; nil when it is not our child.
    public static func waitStatus(_ pid: pid_t) -> Int32? {
        var status: Int32 = 0
        while true {
            let r = waitpid(pid, &status, 0)
            if r == pid { return status }
            if r < 0, errno == EINTR { continue }
            return nil
        }
    }

    /// A wait status as a shell reports it: the exit code, or 128 + the signal number.
    public static func exitCode(fromWaitStatus status: Int32) -> Int32 {
        let signal = status & 0x7F
        if signal == 0 { return (status >> 8) & 0xFF }
        return 128 + signal
    }

    /// Runs `body` on a new detached thread with a small stack (relays only copy bytes).
    public static func startThread(_ body: @escaping @Sendable () -> Void) {
        final class Box: Sendable {
            let body: @Sendable () -> Void
            init(_ body: @escaping @Sendable () -> Void) { self.body = body }
        }
        var attributes = pthread_attr_t()
        pthread_attr_init(&attributes)
        defer { pthread_attr_destroy(&attributes) }
        pthread_attr_setstacksize(&attributes, 128 * 1024)
        pthread_attr_setdetachstate(&attributes, Int32(PTHREAD_CREATE_DETACHED))
        let context = Unmanaged.passRetained(Box(body)).toOpaque()
        var thread = pthread_t()
        let result = pthread_create(&thread, &attributes, { context in
            Unmanaged<Box>.fromOpaque(context!).takeRetainedValue().body()
            return nil
        }, context)
        if result != 0 {
            // No thread: run it here rather than lose the work.
            Unmanaged<Box>.fromOpaque(context).takeRetainedValue().body()
        }
    }
}

/// A NULL-terminated `char *[]` for the duration of `body`.
public func withCStringArray<R>(_ strings: [String], _ body: ([UnsafeMutablePointer<CChar>?]) -> R) -> R {
    var pointers: [UnsafeMutablePointer<CChar>?] = strings.map { strdup($0) }
    pointers.append(nil)
    defer { for p in pointers { free(p) } }
    return body(pointers)
}
