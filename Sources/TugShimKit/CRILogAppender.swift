#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// Cuts one output stream into CRI log lines (`<time> stdout F text`): a line per newline, and
/// lines longer than 16 KiB (containerd's limit) split into `P` parts with the last part `F`.
public struct CRILogSplitter: Sendable {
    public static let maximumLineBytes = 16 * 1024

    /// `stdout` or `stderr`.
    public let stream: String
    private var pending: [UInt8] = []

    public init(stream: String) { self.stream = stream }

    /// The encoded lines completed by `bytes`, ready to append to the file.
    public mutating func feed(_ bytes: [UInt8], at time: Timestamp = .now()) -> [UInt8] {
        pending += bytes
        var out: [UInt8] = []
        var start = 0
        let prefix = Array("\(time.rfc3339) \(stream) ".utf8)
        while start < pending.count {
            let limit = min(pending.count, start + Self.maximumLineBytes)
            if let newline = pending[start..<limit].firstIndex(of: 0x0A) {
                out += prefix + [UInt8(ascii: "F"), 0x20] + pending[start..<newline] + [0x0A]
                start = newline + 1
            } else if limit - start == Self.maximumLineBytes {
                out += prefix + [UInt8(ascii: "P"), 0x20] + pending[start..<limit] + [0x0A]
                start = limit
            } else {
                break
            }
        }
        pending.removeFirst(start)
        return out
    }

    /// Output that ended without a newline becomes a last full line.
    public mutating func finish(at time: Timestamp = .now()) -> [UInt8] {
        defer { pending = [] }
        guard !pending.isEmpty else { return [] }
        return Array("\(time.rfc3339) \(stream) F ".utf8) + pending + [0x0A]
    }
}

/// The container's log file, opened for appending: each batch of whole lines is one write, so
/// the stdout and stderr relays never interleave inside a line.
public final class CRILogFile: Sendable {
    private let fd: Int32

    public init(path: String) throws(ShimError) {
        if let slash = path.lastIndex(of: "/"), slash != path.startIndex {
            try Sys.makeDirectories(String(path[..<slash]))
        }
        fd = open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0o640)
        guard fd >= 0 else { throw ShimError(Sys.errorMessage("cannot open log file \(path)")) }
    }

    deinit { close(fd) }

    public func append(_ bytes: [UInt8]) {
        if !bytes.isEmpty { Sys.writeAll(fd, bytes) }
    }
}
