#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif
import Foundation
import TugRuntime

/// Cuts one output stream into CRI log lines: a line per newline, and lines longer than 16 KiB
/// (containerd's limit) split into `P` parts with the last part `F`.
struct CRILogSplitter {
    static let maximumLineBytes = 16 * 1024

    let stream: CRILogLine.Stream
    private var pending: [UInt8] = []

    init(stream: CRILogLine.Stream) { self.stream = stream }

    mutating func feed(_ bytes: [UInt8], at time: Date = Date()) -> [CRILogLine] {
        pending += bytes
        var lines: [CRILogLine] = []
        var start = 0
        while start < pending.count {
            let limit = min(pending.count, start + Self.maximumLineBytes)
            if let newline = pending[start..<limit].firstIndex(of: 0x0A) {
                lines.append(CRILogLine(time: time, stream: stream, partial: false, content: Array(pending[start..<newline])))
                start = newline + 1
            } else if limit - start == Self.maximumLineBytes {
                lines.append(CRILogLine(time: time, stream: stream, partial: true, content: Array(pending[start..<limit])))
                start = limit
            } else {
                break
            }
        }
        pending.removeFirst(start)
        return lines
    }

    /// Output that ended without a newline becomes a last full line.
    mutating func finish(at time: Date = Date()) -> [CRILogLine] {
        defer { pending = [] }
        return pending.isEmpty ? [] : [CRILogLine(time: time, stream: stream, partial: false, content: pending)]
    }
}

/// The container's log file, shared by the stdout and stderr relays; appends whole lines only.
final class CRILogFile: @unchecked Sendable {
    private let lock = NSLock()
    private let fd: Int32

    init(path: String) throws {
        try Posix.makeDirectories((path as NSString).deletingLastPathComponent)
        fd = open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0o640)
        guard fd >= 0 else { throw RuntimeProcessError(Posix.errorMessage("cannot open log file \(path)")) }
    }

    deinit { close(fd) }

    func append(_ lines: [CRILogLine]) {
        guard !lines.isEmpty else { return }
        var bytes: [UInt8] = []
        for line in lines { bytes += line.encoded }
        lock.lock()
        defer { lock.unlock() }
        Posix.writeAll(fd, bytes)
    }
}
