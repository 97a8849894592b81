import Foundation
import Synchronization
import TugRuntime

/// A runtime that only answers `execSync`, with what the test scripts; everything else is
/// outside what probes and hooks use.
final class FakeRuntime: ContainerRuntime {
    typealias ExecHandler = @Sendable (ContainerID, [String], Duration) async throws -> ExecResult

    private let handler: ExecHandler
    private let calls = Mutex<[(ContainerID, [String], Duration)]>([])

    init(_ handler: @escaping ExecHandler) {
        self.handler = handler
    }

    var execCalls: [(id: ContainerID, command: [String], timeout: Duration)] { calls.withLock { $0.map { ($0.0, $0.1, $0.2) } } }

    func execSync(_ id: ContainerID, command: [String], timeout: Duration) async throws -> ExecResult {
        calls.withLock { $0.append((id, command, timeout)) }
        return try await handler(id, command, timeout)
    }

    private func unused(_ what: String) -> RuntimeError { .failed("\(what) is not used by probe tests") }

    func version() async throws -> RuntimeVersion { RuntimeVersion(runtimeName: "fake", runtimeVersion: "0") }
    var capabilities: RuntimeCapabilities { RuntimeCapabilities(runsImages: false, podNetworking: false, enforcesLimits: false) }
    func runSandbox(_ config: SandboxConfig) async throws -> SandboxID { throw unused("runSandbox") }
    func stopSandbox(_ id: SandboxID) async throws { throw unused("stopSandbox") }
    func removeSandbox(_ id: SandboxID) async throws { throw unused("removeSandbox") }
    func sandboxStatus(_ id: SandboxID) async throws -> SandboxStatus { throw unused("sandboxStatus") }
    func listSandboxes() async throws -> [SandboxStatus] { [] }
    func createContainer(in sandbox: SandboxID, _ config: ContainerConfig, sandboxConfig: SandboxConfig) async throws -> ContainerID {
        throw unused("createContainer")
    }
    func startContainer(_ id: ContainerID) async throws { throw unused("startContainer") }
    func stopContainer(_ id: ContainerID, timeout: Duration) async throws { throw unused("stopContainer") }
    func removeContainer(_ id: ContainerID) async throws { throw unused("removeContainer") }
    func containerStatus(_ id: ContainerID) async throws -> ContainerStatus { throw unused("containerStatus") }
    func listContainers(sandbox: SandboxID?) async throws -> [ContainerStatus] { [] }
    func pullImage(_ image: String, auth: ImageAuth?) async throws -> String { image }
    func imageStatus(_ image: String) async throws -> ImageInfo? { nil }
    func exec(_ id: ContainerID, command: [String], streams: ExecStreams) async throws -> Int32 { throw unused("exec") }
    func attach(_ id: ContainerID, streams: ExecStreams) async throws { throw unused("attach") }
    func portForward(_ sandbox: SandboxID, port: UInt16) async throws -> any ByteConnection { throw unused("portForward") }
    func containerStats(_ id: ContainerID) async throws -> ContainerStats { throw unused("containerStats") }
}
