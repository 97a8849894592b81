#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif
import Foundation

/// What a finished command printed and how it ended.
public struct CommandResult: Sendable, Hashable {
    public var exit: ChildExit
    public var standardOutput: String
    public var standardError: String

    public var succeeded: Bool { exit == .exited(0) }
}

/// Runs a short command (ctr) to completion with a deadline, its output captured in unlinked
/// temporary files so neither pipe can fill up and stall it.
enum CommandRunner {
    /// - Parameters:
    ///   - environment: replaces the inherited environment when given.
    ///   - input: the command's standard input (empty when nil).
    static func run(_ executable: String, _ arguments: [String], environment: [String: String]? = nil,
                    input: Data? = nil, timeout: Duration) async throws -> CommandResult {
        let stdout = try anonymousFile()
        defer { close(stdout) }
        let stderr = try anonymousFile()
        defer { close(stderr) }
        var stdin: Int32?
        defer { if let stdin { close(stdin) } }
        if let input {
            let fd = try anonymousFile()
            stdin = fd
            let written = input.withUnsafeBytes { pwrite(fd, $0.baseAddress, $0.count, 0) }
            guard written == input.count else { throw ContainerdError("cannot write a command's input to a temporary file") }
        }
        let pid = try ChildProcess.spawn(executable: executable, arguments: arguments,
                                         environment: environment.map { $0.map { "\($0.key)=\($0.value)" } },
                                         stdin: stdin, stdout: stdout, stderr: stderr, newProcessGroup: false)
        guard let exit = await ChildProcess.wait(pid, timeout: timeout) else {
            kill(pid, SIGKILL)
            _ = await ChildProcess.wait(pid, timeout: .seconds(5))
            let errorText = readAll(stderr).trimmingCharacters(in: .whitespacesAndNewlines)
            throw ContainerdError("\(([executable] + arguments).joined(separator: " ")) did not finish within \(timeout) and was killed"
                + (errorText.isEmpty ? "" : ": \(errorText)"))
        }
        return CommandResult(exit: exit, standardOutput: readAll(stdout), standardError: readAll(stderr))
    }

    /// A read-write file with no name: created in the temp folder and unlinked at once.
    private static func anonymousFile() throws -> Int32 {
        let directory = ProcessInfo.processInfo.environment["TMPDIR"] ?? "/tmp"
        var template = Array((directory + "/tug-command-XXXXXX").utf8CString)
        let fd = template.withUnsafeMutableBufferPointer { mkstemp($0.baseAddress!) }
        guard fd >= 0 else { throw ContainerdError("cannot create a temporary file in \(directory): \(String(cString: strerror(errno)))") }
        _ = fcntl(fd, F_SETFD, FD_CLOEXEC)
        template.withUnsafeBufferPointer { _ = unlink($0.baseAddress!) }
        return fd
    }

    private static func readAll(_ fd: Int32) -> String {
        var data = Data()
        var buffer = [UInt8](repeating: 0, count: 64 * 1024)
        var offset: off_t = 0
        while true {
            let count = buffer.withUnsafeMutableBytes { pread(fd, $0.baseAddress, $0.count, offset) }
            if count <= 0 { break }
            data.append(contentsOf: buffer[0..<count])
            offset += off_t(count)
        }
        return String(decoding: data, as: UTF8.self)
    }
}
