import Foundation
import TugRuntime

/// Turns a container's CRI log file into what `kubectl logs` prints: the content of each line
/// (optionally after its timestamp), filtered by stream, `tailLines` and `since`, cut at
/// `limitBytes`, and with `follow` kept going as the file grows or is rotated until the
/// container stops running.
public struct ContainerLogReader: Sendable {
    public var options: ContainerLogOptions
    /// How often a followed file is checked for new bytes.
    public var pollInterval: Duration = .milliseconds(200)

    public init(options: ContainerLogOptions) {
        self.options = options
    }

    /// Writes the log of the file at `path` to `write` in chunks. With `follow`, keeps reading
    /// while `isRunning` says the container still runs (asked whenever the file has no more
    /// bytes); ends when it stops, when `limitBytes` is reached, or when the task is cancelled.
    public func read(path: String, isRunning: () async -> Bool, write: ([UInt8]) async throws -> Void) async throws {
        let file = try LogFile(path: path)
        if let n = options.tailLines { file.seek(to: file.tailStart(lines: n, streams: options.streams)) }
        var out = LogOutput(options: options)
        while true {
            while let raw = file.nextLine() {
                guard let line = CRILogLine.parse(raw) else { continue }
                out.append(line)
                if out.buffer.count >= 32 * 1024 || out.limitReached {
                    try await write(out.take())
                    if out.limitReached { return }
                }
            }
            if !out.buffer.isEmpty { try await write(out.take()) }
            guard options.follow else { return }
            if file.isReplaced() {
                // Rotated: the old file has nothing more (it was read to its end); go on with
                // the new one from its start. A missing path means the container is gone.
                guard (try? file.reopen()) != nil else { return }
                continue
            }
            if !(await isRunning()) {
                // The container stopped: whatever it wrote last is already in the file.
                while let raw = file.nextLine() {
                    if let line = CRILogLine.parse(raw) { out.append(line) }
                    if out.limitReached { break }
                }
                if !out.buffer.isEmpty { try await write(out.take()) }
                return
            }
            try await Task.sleep(for: pollInterval)
        }
    }
}

/// The bytes `kubectl logs` shows for a run of CRI lines.
struct LogOutput {
    let options: ContainerLogOptions
    private(set) var buffer: [UInt8] = []
    private var written = 0
    /// Per stream: the last line was partial, so the next one continues it (no timestamp).
    private var continuing: Set<CRILogLine.Stream> = []

    init(options: ContainerLogOptions) { self.options = options }

    var limitReached: Bool { options.limitBytes.map { written + buffer.count >= $0 } ?? false }

    mutating func append(_ line: CRILogLine) {
        guard options.streams.includes(line.stream), !limitReached else { return }
        if let since = options.since, line.time < since { return }
        var bytes: [UInt8] = []
        if options.timestamps, !continuing.contains(line.stream) {
            bytes += Array(line.timestamp.utf8)
            bytes.append(0x20)
        }
        bytes += line.content
        if line.partial { continuing.insert(line.stream) } else { continuing.remove(line.stream); bytes.append(0x0A) }
        if let limit = options.limitBytes {
            let room = limit - written - buffer.count
            if bytes.count > room { bytes.removeLast(bytes.count - room) }
        }
        buffer += bytes
    }

    mutating func take() -> [UInt8] {
        defer { written += buffer.count; buffer.removeAll(keepingCapacity: true) }
        return buffer
    }
}
