#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif
import Foundation

/// Thin wrappers over the POSIX calls the runtime, the shim and the launcher share.
enum Posix {
    /// `strerror` for an errno value.
    static func describe(_ code: Int32) -> String { String(cString: strerror(code)) }

    static func errorMessage(_ what: String, _ code: Int32 = errno) -> String { "\(what): \(describe(code))" }

    /// A pipe whose ends are close-on-exec; `spawn` clears the flag on the ends it hands down.
    static func pipe() throws -> (read: Int32, write: Int32) {
        var fds: [Int32] = [0, 0]
        guard Glibc.pipe(&fds) == 0 else { throw RuntimeProcessError(errorMessage("pipe")) }
        // Not atomic with the pipe's creation, but children get only what `Spawner` hands
        // down (it closes every other descriptor), so a concurrent spawn cannot leak these.
        _ = fcntl(fds[0], F_SETFD, FD_CLOEXEC)
        _ = fcntl(fds[1], F_SETFD, FD_CLOEXEC)
        return (fds[0], fds[1])
    }

    static func openDevNull(_ flags: Int32 = O_RDWR) throws -> Int32 {
        let fd = open("/dev/null", flags | O_CLOEXEC)
        guard fd >= 0 else { throw RuntimeProcessError(errorMessage("open /dev/null")) }
        return fd
    }

    /// Writes every byte, retrying on EINTR and short writes; false when the fd is gone.
    @discardableResult
    static func writeAll(_ fd: Int32, _ bytes: [UInt8]) -> Bool {
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
    static func readChunk(_ fd: Int32, size: Int = 65536) -> [UInt8]? {
        var buffer = [UInt8](repeating: 0, count: size)
        while true {
            let n = buffer.withUnsafeMutableBytes { read(fd, $0.baseAddress!, size) }
            if n > 0 { return Array(buffer[0..<n]) }
            if n < 0, errno == EINTR { continue }
            return nil
        }
    }

    /// Waits for a child and returns its raw wait status; nil when it is not our child.
    static func waitStatus(_ pid: pid_t) -> Int32? {
        var status: Int32 = 0
        while true {
            let r = waitpid(pid, &status, 0)
            if r == pid { return status }
            if r < 0, errno == EINTR { continue }
            return nil
        }
    }

    /// A wait status as a shell reports it: the exit code, or 128 + the signal number.
    static func exitCode(fromWaitStatus status: Int32) -> Int32 {
        let signal = status & 0x7F
        if signal == 0 { return (status >> 8) & 0xFF }
        return 128 + signal
    }

    static func isRoot() -> Bool { geteuid() == 0 }

    static func fileExists(_ path: String) -> Bool { access(path, F_OK) == 0 }

    static func isDirectory(_ path: String) -> Bool {
        var st = stat()
        return stat(path, &st) == 0 && (st.st_mode & S_IFMT) == S_IFDIR
    }

    static func readText(_ path: String) -> String? {
        guard let data = FileManager.default.contents(atPath: path) else { return nil }
        return String(decoding: data, as: UTF8.self)
    }

    /// Writes `data` to a temporary file next to `path` and renames it over `path`, so readers
    /// see the old or the new file, never half of one.
    static func writeAtomically(_ data: Data, to path: String) throws {
        let temporary = path + ".tmp-\(getpid())-\(UInt32.random(in: 0...UInt32.max))"
        guard FileManager.default.createFile(atPath: temporary, contents: data) else {
            throw RuntimeProcessError("cannot write \(temporary)")
        }
        guard rename(temporary, path) == 0 else {
            let message = errorMessage("rename \(temporary) to \(path)")
            unlink(temporary)
            throw RuntimeProcessError(message)
        }
    }

    /// `mkdir -p`.
    static func makeDirectories(_ path: String, mode: mode_t = 0o755) throws {
        do {
            try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true,
                                                    attributes: [.posixPermissions: Int(mode)])
        } catch {
            throw RuntimeProcessError("cannot create directory \(path): \(error.localizedDescription)")
        }
    }

    /// The target of /proc/self/exe: the running binary, for re-executing it.
    static func currentExecutable() -> String {
        (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe")) ?? CommandLine.arguments[0]
    }
}

/// An error from the process machinery, with the message to show.
struct RuntimeProcessError: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}

/// Runs blocking system calls on a GCD thread so the cooperative pool is never held up.
enum Blocking {
    static func run<T: Sendable>(_ body: @escaping @Sendable () -> T) async -> T {
        await withCheckedContinuation { continuation in
            DispatchQueue.global().async { continuation.resume(returning: body()) }
        }
    }

    /// Reads `fd` until end of file on a dedicated thread, yielding chunks; closes `fd` at the end.
    static func reads(of fd: Int32) -> AsyncStream<[UInt8]> {
        AsyncStream { continuation in
            let thread = Thread {
                while let chunk = Posix.readChunk(fd) { continuation.yield(chunk) }
                close(fd)
                continuation.finish()
            }
            thread.start()
        }
    }

    /// Waits for a child on a GCD thread; returns the exit code (128 + signal when killed).
    static func waitExitCode(_ pid: pid_t) async -> Int32? {
        await run { Posix.waitStatus(pid).map(Posix.exitCode(fromWaitStatus:)) }
    }
}
