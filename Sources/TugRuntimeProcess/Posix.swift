#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif
import Foundation
import TugShimKit

/// The POSIX helpers only the runtime needs (the ones the shim shares are `Sys`, in TugShimKit).
enum Posix {
    static func isRoot() -> Bool { geteuid() == 0 }

    static func isDirectory(_ path: String) -> Bool {
        var st = stat()
        return stat(path, &st) == 0 && (st.st_mode & S_IFMT) == S_IFDIR
    }

    /// Writes `data` to a temporary file next to `path` and renames it over `path`.
    static func writeAtomically(_ data: Data, to path: String) throws {
        try Sys.writeAtomically([UInt8](data), to: path)
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
                while let chunk = Sys.readChunk(fd) { continuation.yield(chunk) }
                close(fd)
                continuation.finish()
            }
            thread.start()
        }
    }

    /// Waits for a child on a GCD thread; returns the exit code (128 + signal when killed).
    static func waitExitCode(_ pid: pid_t) async -> Int32? {
        await run { Sys.waitStatus(pid).map(Sys.exitCode(fromWaitStatus:)) }
    }
}
