import Foundation
import TugRuntime

/// One open CRI log file read line by line, which notices when the runtime rotates it (the path
/// names a new file) or truncates it. Used by one task at a time.
final class LogFile {
    let path: String
    private var fd: Int32
    private var inode: UInt64
    /// Bytes read but not yet returned as a line.
    private var pending: [UInt8] = []
    private var pendingStart = 0
    private var chunk = [UInt8](repeating: 0, count: 64 * 1024)
    /// Offset of the next byte `read` will return from the file.
    private(set) var offset: Int64 = 0

    init(path: String) throws {
        self.path = path
        fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { throw LogFileError.open(path, errno) }
        var st = stat()
        fstat(fd, &st)
        inode = UInt64(st.st_ino)
    }

    deinit { close(fd) }

    /// Starts reading at `offset`, dropping anything buffered.
    func seek(to offset: Int64) {
        lseek(fd, off_t(offset), SEEK_SET)
        self.offset = offset
        pending.removeAll(keepingCapacity: true)
        pendingStart = 0
    }

    /// The next complete line (without its newline), or nil at the end of what is written so
    /// far; a last line without its newline stays buffered until the rest arrives.
    func nextLine() -> ArraySlice<UInt8>? {
        while true {
            if let nl = pending[pendingStart...].firstIndex(of: 0x0A) {
                let line = pending[pendingStart..<nl]
                pendingStart = nl + 1
                return line
            }
            if pendingStart > 0 {
                pending.removeFirst(pendingStart)
                pendingStart = 0
            }
            let n = chunk.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
            guard n > 0 else { return nil }
            offset += Int64(n)
            pending.append(contentsOf: chunk[0..<n])
        }
    }

    /// The file was rotated away (the path names another file, or none) or truncated below
    /// what was read.
    func isReplaced() -> Bool {
        var st = stat()
        guard stat(path, &st) == 0 else { return true }
        if UInt64(st.st_ino) != inode { return true }
        return Int64(st.st_size) < offset
    }

    /// Reopens the path from its start (after a rotation or truncation).
    func reopen() throws {
        let newFD = open(path, O_RDONLY | O_CLOEXEC)
        guard newFD >= 0 else { throw LogFileError.open(path, errno) }
        close(fd)
        fd = newFD
        var st = stat()
        fstat(fd, &st)
        inode = UInt64(st.st_ino)
        offset = 0
        pending.removeAll(keepingCapacity: true)
        pendingStart = 0
    }

    /// The offset where the last `count` logical lines (a run of `P` lines ended by an `F`
    /// line) of the selected streams begin. Scans the file forward once (rotation keeps files
    /// small), remembering the starts of the last `count` lines; leaves the file at its start.
    func tailStart(lines count: Int, streams: ContainerLogOptions.Streams) -> Int64 {
        seek(to: 0)
        defer { seek(to: 0) }
        var starts: [Int64] = []  // ring of the newest `count` line starts
        var next = 0
        var open: [CRILogLine.Stream: Int64] = [:]  // where each stream's unfinished line began
        var lineOffset: Int64 = 0
        while let raw = nextLine() {
            let here = lineOffset
            lineOffset += Int64(raw.count + 1)
            guard let line = CRILogLine.parse(raw), streams.includes(line.stream) else { continue }
            let start = open[line.stream] ?? here
            if line.partial { open[line.stream] = start; continue }
            open[line.stream] = nil
            guard count > 0 else { continue }
            if starts.count < count { starts.append(start) } else { starts[next] = start; next = (next + 1) % count }
        }
        if count == 0 { return lineOffset }
        return starts.count < count ? 0 : starts[next]
    }
}

enum LogFileError: Error, CustomStringConvertible {
    case open(String, Int32)
    var description: String {
        switch self {
        case .open(let path, let err): return "cannot open log file \(path): \(String(cString: strerror(err)))"
        }
    }
}
