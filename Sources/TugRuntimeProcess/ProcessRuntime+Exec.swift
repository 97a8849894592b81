#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif
import Foundation
import TugShimKit
import TugRuntime

extension ProcessRuntime {
    /// How long output may keep flowing after the command exited (from something it left
    /// behind holding its stdout) before the runtime stops waiting for it.
    static let outputDrainLimit: Duration = .seconds(5)

    public func execSync(_ id: ContainerID, command: [String], timeout: Duration) async throws -> ExecResult {
        let record = try store.container(id)
        let process = try await ExecProcess.start(command, in: record, process: try runningProcess(record),
                                                  containerDirectory: store.containerDirectory(id), shimExecutable: shimExecutable,
                                                  tty: false, withStdin: false)
        let stdout = Task { await Self.collect(Blocking.reads(of: process.stdout)) }
        let stderr = Task { await Self.collect(process.stderr.map { Blocking.reads(of: $0) }) }
        // CRI: a timeout of zero means none.
        let killer: Task<Bool, Never>? = timeout > .zero ? Task {
            do { try await Task.sleep(for: timeout) } catch { return false }
            process.kill()
            return true
        } : nil
        let exitCode = await withTaskCancellationHandler {
            await Blocking.waitExitCode(process.pid) ?? 255
        } onCancel: {
            process.kill()
        }
        killer?.cancel()
        let timedOut = await killer?.value ?? false
        process.closeAll()
        let out = await Self.value(of: stdout, within: Self.outputDrainLimit) ?? []
        let err = await Self.value(of: stderr, within: Self.outputDrainLimit) ?? []
        return ExecResult(exitCode: exitCode, stdout: out, stderr: err, timedOut: timedOut)
    }

    public func exec(_ id: ContainerID, command: [String], streams: ExecStreams) async throws -> Int32 {
        let record = try store.container(id)
        let process = try await ExecProcess.start(command, in: record, process: try runningProcess(record),
                                                  containerDirectory: store.containerDirectory(id), shimExecutable: shimExecutable,
                                                  tty: streams.tty, withStdin: streams.stdin != nil)
        let stdoutPump = Task { await Self.pump(Blocking.reads(of: process.stdout), into: streams.stdout) }
        let stderrPump = Task { await Self.pump(process.stderr.map { Blocking.reads(of: $0) }, into: streams.stderr) }
        let stdinPump = Task {
            guard let input = streams.stdin, let fd = process.input else { return }
            for await chunk in input {
                guard await Blocking.run({ Sys.writeAll(fd, chunk) }) else { return }
            }
            process.closeStdin()
        }
        let resizer = Task {
            guard let sizes = streams.resize, let terminal = process.terminal else { return }
            for await size in sizes { PseudoTerminal.resize(terminal, rows: size.height, columns: size.width) }
        }
        let exitCode = await withTaskCancellationHandler {
            await Blocking.waitExitCode(process.pid) ?? 255
        } onCancel: {
            process.kill()
        }
        // Output still in the pipes belongs to the session; anything left holding them is not waited for long.
        _ = await Self.value(of: stdoutPump, within: Self.outputDrainLimit)
        _ = await Self.value(of: stderrPump, within: Self.outputDrainLimit)
        stdinPump.cancel()
        resizer.cancel()
        _ = await stdinPump.value
        process.closeAll()
        return exitCode
    }

    static func collect(_ stream: AsyncStream<[UInt8]>?) async -> [UInt8] {
        guard let stream else { return [] }
        var bytes: [UInt8] = []
        for await chunk in stream { bytes += chunk }
        return bytes
    }

    static func pump(_ stream: AsyncStream<[UInt8]>?, into sink: (@Sendable ([UInt8]) async -> Void)?) async {
        guard let stream else { return }
        for await chunk in stream { await sink?(chunk) }
    }

    /// The task's value, or nil when it takes longer than `limit` (the task is then cancelled).
    static func value<T: Sendable>(of task: Task<T, Never>, within limit: Duration) async -> T? {
        await withTaskGroup(of: T?.self) { group in
            group.addTask { await task.value }
            group.addTask {
                try? await Task.sleep(for: limit)
                return nil
            }
            let first = await group.next() ?? nil
            group.cancelAll()
            if first == nil { task.cancel() }
            return first
        }
    }
}
