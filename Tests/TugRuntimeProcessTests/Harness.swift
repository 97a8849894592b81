import Foundation
import Logging
import Testing
import TugRuntime
@testable import TugRuntimeProcess

/// One test's process runtime over a fresh temporary root, cleaned up (every container
/// stopped, every folder removed) when the test's body ends.
struct Harness {
    let root: String
    let logDirectory: String
    let runtime: ProcessRuntime

    /// `tug-shim`, the runtime's per-container supervisor: `swift build` puts it next to the
    /// test bundle; `TUG_SHIM_EXECUTABLE` overrides.
    static func shimExecutable() throws -> String {
        if let path = ProcessInfo.processInfo.environment["TUG_SHIM_EXECUTABLE"] { return path }
        let bundle = (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe")) ?? CommandLine.arguments[0]
        var directory = (bundle as NSString).deletingLastPathComponent
        // On some platforms the test binary sits inside a bundle folder.
        for _ in 0..<3 {
            let candidate = directory + "/tug-shim"
            if FileManager.default.isExecutableFile(atPath: candidate) { return candidate }
            directory = (directory as NSString).deletingLastPathComponent
        }
        Issue.record("tug-shim (the process runtime's shim) is not next to the tests in \((bundle as NSString).deletingLastPathComponent); run `swift build --product tug-shim` first or set TUG_SHIM_EXECUTABLE")
        throw RuntimeError.failed("no tug-shim binary")
    }

    static func with(_ body: (Harness) async throws -> Void) async throws {
        let root = NSTemporaryDirectory() + "tug-process-runtime-" + UUID().uuidString
        try FileManager.default.createDirectory(atPath: root + "/logs", withIntermediateDirectories: true)
        let harness = Harness(root: root, logDirectory: root + "/logs",
                              runtime: try ProcessRuntime(root: root + "/state", shimExecutable: try shimExecutable(), version: "test"))
        do {
            try await body(harness)
        } catch {
            await harness.cleanUp()
            throw error
        }
        await harness.cleanUp()
    }

    func cleanUp() async {
        for sandbox in (try? await runtime.listSandboxes()) ?? [] {
            try? await runtime.stopSandbox(sandbox.id)
            try? await runtime.removeSandbox(sandbox.id)
        }
        try? FileManager.default.removeItem(atPath: root)
    }

    func sandbox(_ name: String = "pod", resources: LinuxResources? = nil) async throws -> SandboxID {
        try await runtime.runSandbox(sandboxConfig(name, resources: resources))
    }

    func sandboxConfig(_ name: String = "pod", resources: LinuxResources? = nil) -> SandboxConfig {
        SandboxConfig(name: name, namespace: "default", uid: "uid-\(name)-\(UUID().uuidString.prefix(8))", hostname: name,
                      logDirectory: logDirectory, resources: resources)
    }

    /// Creates and starts a `/bin/sh -c script` container.
    func run(_ script: String, in sandbox: SandboxID, name: String = "main", attempt: UInt32 = 0, configure: (inout ContainerConfig) -> Void = { _ in })
        async throws -> ContainerID {
        var config = ContainerConfig(name: name, attempt: attempt, image: "busybox", command: ["/bin/sh", "-c", script],
                                     env: [EnvVar("PATH", "/usr/bin:/bin"), EnvVar("GREETING", "hello")],
                                     logPath: "\(name)/\(attempt).log")
        configure(&config)
        let id = try await runtime.createContainer(in: sandbox, config, sandboxConfig: sandboxConfig())
        try await runtime.startContainer(id)
        return id
    }

    /// Polls until the container has exited; fails the test after `limit`.
    @discardableResult
    func waitForExit(_ id: ContainerID, within limit: Duration = .seconds(30)) async throws -> ContainerStatus {
        let deadline = ContinuousClock.now + limit
        while ContinuousClock.now < deadline {
            let status = try await runtime.containerStatus(id)
            if status.state == .exited { return status }
            try await Task.sleep(for: .milliseconds(25))
        }
        Issue.record("container \(id) did not exit within \(limit)")
        throw RuntimeError.failed("timeout")
    }

    /// Polls `condition` until it holds or `limit` passes; returns whether it held.
    func eventually(within limit: Duration = .seconds(30), _ condition: () async throws -> Bool) async rethrows -> Bool {
        let deadline = ContinuousClock.now + limit
        while ContinuousClock.now < deadline {
            if try await condition() { return true }
            try? await Task.sleep(for: .milliseconds(25))
        }
        return try await condition()
    }

    /// The log file's lines, parsed.
    func logLines(_ path: String) -> [CRILogLine] {
        guard let data = FileManager.default.contents(atPath: path) else { return [] }
        return Array(data).split(separator: 0x0A).compactMap { CRILogLine.parse(Array($0)) }
    }

    func logText(_ path: String, stream: CRILogLine.Stream? = nil) -> String {
        logLines(path).filter { stream == nil || $0.stream == stream }.map { String(decoding: $0.content, as: UTF8.self) }
            .joined(separator: "\n")
    }
}
