#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif
import Foundation
import TugShimKit
import Synchronization
import TugRuntime

extension ProcessRuntime {
    /// Streams what the container writes from now on (read back from its log file, which the
    /// shim fills) and feeds the caller's stdin into the container's stdin FIFO.
    public func attach(_ id: ContainerID, streams: ExecStreams) async throws {
        let record = try store.container(id)
        let process = try runningProcess(record)
        let directory = store.containerDirectory(id)
        let log = open(record.logPath, O_RDONLY | O_CLOEXEC)
        guard log >= 0 else { throw RuntimeError.failed(Sys.errorMessage("cannot read the output of container \(record.config.name)")) }
        defer { close(log) }
        lseek(log, 0, SEEK_END)

        var stdinTask: Task<Void, Never>?
        let stdinEnded = Flag()
        if let input = streams.stdin {
            guard record.config.stdin else {
                throw RuntimeError.failed("container \(record.config.name) was not created with stdin; it cannot take input")
            }
            let fifo = try await Self.openForWriting(StateStore.stdinFIFO(in: directory))
            stdinTask = Task {
                for await chunk in input {
                    guard await Blocking.run({ Sys.writeAll(fifo, chunk) }) else { break }
                }
                close(fifo)
                stdinEnded.set()
            }
        }
        let resizer = Task {
            guard let sizes = streams.resize, let terminal = process.terminal else { return }
            for await size in sizes {
                // Sizing the terminal from its slave side signals the container's foreground group too.
                let fd = open(terminal, O_RDWR | O_NOCTTY | O_CLOEXEC)
                guard fd >= 0 else { continue }
                PseudoTerminal.resize(fd, rows: size.height, columns: size.width)
                close(fd)
            }
        }
        defer {
            stdinTask?.cancel()
            resizer.cancel()
        }

        var follower = LogFollower(fd: log, tty: record.config.tty)
        while !Task.isCancelled {
            await follower.deliver(to: streams)
            if record.config.stdinOnce, stdinEnded.isSet { return }
            if try observe(record).state == .exited {
                await follower.deliver(to: streams)
                return
            }
            try await Task.sleep(for: .milliseconds(50))
        }
    }

    /// Opens the FIFO once the shim is reading it; the shim reopens it after each attach, so a
    /// moment without a reader is retried.
    static func openForWriting(_ fifo: String) async throws -> Int32 {
        let deadline = ContinuousClock.now + .seconds(10)
        while ContinuousClock.now < deadline {
            let fd = open(fifo, O_WRONLY | O_NONBLOCK | O_CLOEXEC)
            if fd >= 0 {
                _ = fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) & ~O_NONBLOCK)
                return fd
            }
            guard errno == ENXIO || errno == EINTR else {
                throw RuntimeError.failed(Sys.errorMessage("cannot open the container's stdin"))
            }
            try await Task.sleep(for: .milliseconds(20))
        }
        throw RuntimeError.failed("the container's stdin has no reader: its shim is not running")
    }
}

/// Reads new CRI lines from a log file and hands their content to an attach session.
struct LogFollower {
    let fd: Int32
    let tty: Bool
    private var pending: [UInt8] = []

    init(fd: Int32, tty: Bool) {
        self.fd = fd
        self.tty = tty
    }

    mutating func deliver(to streams: ExecStreams) async {
        for _ in 0..<1024 {
            guard let chunk = Sys.readChunk(fd) else { break }
            pending += chunk
        }
        var start = 0
        while let newline = pending[start...].firstIndex(of: 0x0A) {
            if let line = CRILogLine.parse(pending[start..<newline].map { $0 }) {
                var content = line.content
                if !line.partial { content.append(0x0A) }
                if line.stream == .stderr && !tty { await streams.stderr?(content) } else { await streams.stdout?(content) }
            }
            start = newline + 1
        }
        pending.removeFirst(start)
    }
}

extension ProcessRuntime {
    /// Pods share the host's network, so the pod's port is the host's loopback port.
    public func portForward(_ sandbox: SandboxID, port: UInt16) async throws -> any ByteConnection {
        let record = try store.sandbox(sandbox)
        do {
            return try await TCPByteConnection.connect(toLoopbackPort: port)
        } catch {
            throw RuntimeError.failed("cannot forward to port \(port) of pod \(record.config.namespace)/\(record.config.name): \(error)")
        }
    }

    public func containerStats(_ id: ContainerID) async throws -> ContainerStats {
        let record = try store.container(id)
        let observed = try observe(record)
        guard observed.state == .running, let started = observed.started else {
            return ContainerStats(timestamp: Date(), cpuUsageCoreNanoSeconds: 0, memoryWorkingSetBytes: 0, memoryRSSBytes: 0)
        }
        if let cgroup = record.cgroup, let stats = cgroup.stats() {
            return ContainerStats(timestamp: Date(), cpuUsageCoreNanoSeconds: stats.cpuNanoseconds,
                                  memoryWorkingSetBytes: stats.workingSetBytes, memoryRSSBytes: stats.rssBytes)
        }
        let usage = ProcFS.usage(of: ProcFS.members(ofProcessGroup: started.pid))
        return ContainerStats(timestamp: Date(), cpuUsageCoreNanoSeconds: usage.cpuNanoseconds,
                              memoryWorkingSetBytes: usage.residentBytes, memoryRSSBytes: usage.residentBytes)
    }
}

/// A one-way flag shared between tasks.
final class Flag: Sendable {
    private let value = Atomic<Bool>(false)
    func set() { value.store(true, ordering: .releasing) }
    var isSet: Bool { value.load(ordering: .acquiring) }
}
