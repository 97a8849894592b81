#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif
import Foundation
import NIOPosix

/// How a finished command ended and what it printed.
struct ProxyCommandResult: Sendable {
    var status: Int32
    var output: String
    var errorOutput: String
    var succeeded: Bool { status == 0 }
}

/// Runs a short command (nft, ip, sysctl) with `posix_spawn`, its input and output in unlinked
/// temporary files (no pipe can fill up and stall it), and waits for it on NIO's blocking pool
/// so that a transaction's end is seen at once, not at the next poll.
enum ProxyCommand {
    static func run(_ executable: String, _ arguments: [String], input: String? = nil, timeout: Duration = .seconds(30)) async throws -> ProxyCommandResult {
        let stdout = try anonymousFile()
        defer { close(stdout) }
        let stderr = try anonymousFile()
        defer { close(stderr) }
        let stdin = try anonymousFile()
        defer { close(stdin) }
        if let input {
            let bytes = Array(input.utf8)
            let written = bytes.withUnsafeBytes { pwrite(stdin, $0.baseAddress, $0.count, 0) }
            guard written == bytes.count else { throw ProxyCommandError("cannot write the input of \(executable) to a temporary file") }
        }
        let pid = try spawn(executable, arguments, stdin: stdin, stdout: stdout, stderr: stderr)
        let killer = Task {
            try await Task.sleep(for: timeout)
            kill(pid, SIGKILL)
        }
        let status: Int32 = try await NIOThreadPool.singleton.runIfActive {
            var raw: Int32 = 0
            while waitpid(pid, &raw, 0) < 0 {
                if errno != EINTR { return -1 }
            }
            let signal = raw & 0x7F
            return signal == 0 ? (raw >> 8) & 0xFF : 128 + signal
        }
        killer.cancel()
        return ProxyCommandResult(status: status, output: readAll(stdout), errorOutput: readAll(stderr))
    }

    /// The first of `candidates` that exists and is executable.
    static func find(_ candidates: [String]) -> String? {
        candidates.first { FileManager.default.isExecutableFile(atPath: $0) }
    }

    private static func spawn(_ executable: String, _ arguments: [String], stdin: Int32, stdout: Int32, stderr: Int32) throws -> pid_t {
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_adddup2(&actions, stdin, 0)
        posix_spawn_file_actions_adddup2(&actions, stdout, 1)
        posix_spawn_file_actions_adddup2(&actions, stderr, 2)
        if let closeFrom = closeFromAction { _ = closeFrom(&actions, 3) }  // the child keeps only 0, 1 and 2
        var attributes = posix_spawnattr_t()
        posix_spawnattr_init(&attributes)
        defer { posix_spawnattr_destroy(&attributes) }
        posix_spawnattr_setflags(&attributes, Int16(POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF))
        var noSignals = sigset_t()
        sigemptyset(&noSignals)
        posix_spawnattr_setsigmask(&attributes, &noSignals)
        var everySignal = sigset_t()
        sigfillset(&everySignal)
        posix_spawnattr_setsigdefault(&attributes, &everySignal)
        var argv: [UnsafeMutablePointer<CChar>?] = ([executable] + arguments).map { strdup($0) } + [nil]
        defer { for pointer in argv { free(pointer) } }
        var pid: pid_t = 0
        let result = posix_spawn(&pid, executable, &actions, &attributes, &argv, environ)
        guard result == 0 else { throw ProxyCommandError("cannot start \(executable): \(String(cString: strerror(result)))") }
        return pid
    }

    private typealias CloseFrom = @convention(c) (UnsafeMutablePointer<posix_spawn_file_actions_t>, Int32) -> Int32

    /// glibc's `posix_spawn_file_actions_addclosefrom_np` (2.34+), which Swift does not import.
    private static let closeFromAction: CloseFrom? = {
        guard let handle = dlopen(nil, RTLD_NOW), let symbol = dlsym(handle, "posix_spawn_file_actions_addclosefrom_np") else { return nil }
        return unsafeBitCast(symbol, to: CloseFrom.self)
    }()

    /// A read-write file with no name, close-on-exec (dup2 clears that for the child's 0, 1, 2).
    private static func anonymousFile() throws -> Int32 {
        let directory = ProcessInfo.processInfo.environment["TMPDIR"] ?? "/tmp"
        var template = Array((directory + "/tug-proxy-XXXXXX").utf8CString)
        let fd = template.withUnsafeMutableBufferPointer { mkstemp($0.baseAddress!) }
        guard fd >= 0 else { throw ProxyCommandError("cannot create a temporary file in \(directory): \(String(cString: strerror(errno)))") }
        _ = fcntl(fd, F_SETFD, FD_CLOEXEC)
        template.withUnsafeBufferPointer { _ = unlink($0.baseAddress!) }
        return fd
    }

    private static func readAll(_ fd: Int32) -> String {
        var data = [UInt8]()
        var buffer = [UInt8](repeating: 0, count: 64 * 1024)
        var offset: off_t = 0
        while true {
            let count = buffer.withUnsafeMutableBytes { pread(fd, $0.baseAddress, $0.count, offset) }
            if count <= 0 { break }
            data += buffer[0..<count]
            offset += off_t(count)
        }
        return String(decoding: data, as: UTF8.self)
    }
}

struct ProxyCommandError: Error, CustomStringConvertible, Sendable {
    let description: String
    init(_ description: String) { self.description = description }
}
