import Foundation
import NIOCore
import NIOPosix
import TugAPI
import TugAgent
import TugRuntime

/// A container runtime for streaming tests: exec echoes stdin to stdout (and "err:" + stdin to
/// stderr) and exits with the code the command names (`["exit", "3"]`); attach echoes until
/// stdin ends; portForward connects to a loopback TCP port.
struct FakeRuntime: ContainerRuntime {
    var forwardTo: Int
    let states: ContainerStates

    func version() async throws -> RuntimeVersion { RuntimeVersion(runtimeName: "fake", runtimeVersion: "1") }
    var capabilities: RuntimeCapabilities { RuntimeCapabilities(runsImages: false, podNetworking: false, enforcesLimits: false) }
    func runSandbox(_ config: SandboxConfig) async throws -> SandboxID { "sandbox" }
    func stopSandbox(_ id: SandboxID) async throws {}
    func removeSandbox(_ id: SandboxID) async throws {}
    func sandboxStatus(_ id: SandboxID) async throws -> SandboxStatus { throw RuntimeError.notFound(id) }
    func listSandboxes() async throws -> [SandboxStatus] { [] }
    func createContainer(in sandbox: SandboxID, _ config: ContainerConfig, sandboxConfig: SandboxConfig) async throws -> ContainerID { "c" }
    func startContainer(_ id: ContainerID) async throws {}
    func stopContainer(_ id: ContainerID, timeout: Duration) async throws {}
    func removeContainer(_ id: ContainerID) async throws {}
    func containerStatus(_ id: ContainerID) async throws -> TugRuntime.ContainerStatus {
        TugRuntime.ContainerStatus(id: id, sandboxID: "sandbox", name: id, attempt: 0, image: "", imageRef: "",
                        state: await states.running(id) ? .running : .exited, createdAt: Date(), logPath: "")
    }
    func listContainers(sandbox: SandboxID?) async throws -> [TugRuntime.ContainerStatus] { [] }
    func pullImage(_ image: String, auth: ImageAuth?) async throws -> String { image }
    func imageStatus(_ image: String) async throws -> ImageInfo? { nil }
    func execSync(_ id: ContainerID, command: [String], timeout: Duration) async throws -> ExecResult {
        ExecResult(exitCode: 0, stdout: [], stderr: [])
    }

    func exec(_ id: ContainerID, command: [String], streams: ExecStreams) async throws -> Int32 {
        if command.first == "exit" { return Int32(command.last ?? "0") ?? 0 }
        if streams.tty, let resize = streams.resize {
            for await size in resize {
                await streams.stdout?(Array("size \(size.width)x\(size.height)\n".utf8))
                break
            }
        }
        if let stdin = streams.stdin {
            for await chunk in stdin {
                await streams.stdout?(chunk)
                await streams.stderr?(Array("err:".utf8) + chunk)
            }
        }
        await streams.stdout?(Array("done \(command.joined(separator: " "))".utf8))
        // `cat 3` and `sh -c 'exit 3'` both exit 3.
        return Int32(command.last?.split(separator: " ").last ?? "0") ?? 0
    }

    func attach(_ id: ContainerID, streams: ExecStreams) async throws {
        if let stdin = streams.stdin {
            for await chunk in stdin { await streams.stdout?(Array("attached:".utf8) + chunk) }
        }
    }

    func portForward(_ sandbox: SandboxID, port: UInt16) async throws -> any ByteConnection {
        guard Int(port) == 8080 else { throw RuntimeError.failed("connection refused on port \(port)") }
        return try await TCPConnection.connect(port: forwardTo)
    }

    func containerStats(_ id: ContainerID) async throws -> ContainerStats { throw RuntimeError.notFound(id) }
}

/// Which fake containers run (the log follower stops when its container does).
actor ContainerStates {
    private var stopped: Set<ContainerID> = []
    func running(_ id: ContainerID) -> Bool { !stopped.contains(id) }
    func stop(_ id: ContainerID) { stopped.insert(id) }
}

/// The fake node's pods: `web` (container `app`, logs at `logPath`) and `two` (containers `a`, `b`).
struct FakeBackend: PodStreamingBackend {
    let runtime: any ContainerRuntime
    let logPath: String
    let previousLogPath: String?

    func container(namespace: String, pod: String, container: String?) async throws -> (id: ContainerID, logPath: String, previousLogPath: String?) {
        guard namespace == "default", pod == "web" || pod == "two" else {
            throw APIError(code: 404, reason: "NotFound", message: "pod \(namespace)/\(pod) is not on this node")
        }
        return (id: container ?? "app", logPath: logPath, previousLogPath: previousLogPath)
    }

    func sandbox(namespace: String, pod: String) async throws -> SandboxID { "sandbox" }
}

/// A TCP connection through NIO, as a `ByteConnection`.
final class TCPConnection: ByteConnection, @unchecked Sendable {
    private let channel: NIOAsyncChannel<ByteBuffer, ByteBuffer>
    private let iterator: IteratorBox

    final class IteratorBox: @unchecked Sendable {
        var iterator: NIOAsyncChannelInboundStream<ByteBuffer>.AsyncIterator
        init(_ i: NIOAsyncChannelInboundStream<ByteBuffer>.AsyncIterator) { iterator = i }
    }

    private init(channel: NIOAsyncChannel<ByteBuffer, ByteBuffer>) {
        self.channel = channel
        iterator = IteratorBox(channel.inbound.makeAsyncIterator())
    }

    static func connect(port: Int) async throws -> TCPConnection {
        let channel = try await ClientBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .channelOption(.allowRemoteHalfClosure, value: true)
            .connect(host: "127.0.0.1", port: port) { channel in
                channel.eventLoop.makeCompletedFuture {
                    try NIOAsyncChannel<ByteBuffer, ByteBuffer>(wrappingChannelSynchronously: channel,
                                                                 configuration: .init(isOutboundHalfClosureEnabled: true))
                }
            }
        return TCPConnection(channel: channel)
    }

    func read() async throws -> [UInt8]? {
        guard let b = try await iterator.iterator.next() else { return nil }
        return Array(b.readableBytesView)
    }
    func write(_ bytes: [UInt8]) async throws { try await channel.outbound.write(ByteBuffer(bytes: bytes)) }
    func closeWrite() async { channel.outbound.finish() }
    func close() async { try? await channel.channel.close() }
}

/// A loopback TCP server that echoes each connection's bytes back, upper-cased, and closes
/// its side when the client closes its.
final class EchoServer: Sendable {
    let port: Int
    private let channel: any Channel

    init() async throws {
        let server = try await ServerBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .serverChannelOption(.backlog, value: 16)
            .childChannelOption(.allowRemoteHalfClosure, value: true)
            .bind(host: "127.0.0.1", port: 0) { channel in
                channel.eventLoop.makeCompletedFuture {
                    try NIOAsyncChannel<ByteBuffer, ByteBuffer>(wrappingChannelSynchronously: channel,
                                                                 configuration: .init(isOutboundHalfClosureEnabled: true))
                }
            }
        port = server.channel.localAddress?.port ?? 0
        channel = server.channel
        Task {
            try await server.executeThenClose { inbound in
                try await withThrowingDiscardingTaskGroup { group in
                    for try await conn in inbound {
                        group.addTask {
                            try? await conn.executeThenClose { input, output in
                                for try await b in input {
                                    try await output.write(ByteBuffer(string: String(buffer: b).uppercased()))
                                }
                                output.finish()
                            }
                        }
                    }
                }
            }
        }
    }

    func stop() async { try? await channel.close() }
}
