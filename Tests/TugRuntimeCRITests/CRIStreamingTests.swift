import Foundation
import Testing
import TugRuntime
@testable import TugRuntimeCRI

/// Exec, attach and port-forward through the URL CRI returns, against a fake streaming server
/// speaking the v4 channel protocol.
struct CRIStreamingTests {
    static let sandboxConfig = SandboxConfig(name: "p", namespace: "d", uid: "u", hostname: "p", logDirectory: "/logs")

    static func withStreaming(v5: Bool = false, _ body: (FakeCRIState, CRIRuntime, FakeStreamingServer, String) async throws -> Void) async throws {
        let streaming = FakeStreamingServer(v5: v5)
        let base = try await streaming.start()
        defer { Task { await streaming.stop() } }
        try await FakeCRIServer.with { state, runtime in
            await state.setStreamingURL(base)
            let sandbox = try await runtime.runSandbox(Self.sandboxConfig)
            let container = try await runtime.createContainer(in: sandbox, ContainerConfig(name: "c", image: "busybox", logPath: "c/0.log"),
                                                              sandboxConfig: Self.sandboxConfig)
            try await body(state, runtime, streaming, container)
        }
    }

    @Test func execStreamsStdinOutputResizesAndTheExitCode() async throws {
        try await Self.withStreaming { state, runtime, streaming, container in
            let (input, feed) = AsyncStream<[UInt8]>.makeStream()
            let (sizes, resize) = AsyncStream<TerminalSize>.makeStream()
            let output = Collected()
            let session = Task {
                try await runtime.exec(container, command: ["sh"], streams: ExecStreams(
                    stdin: input, stdout: { bytes in
                        await output.add(.stdout, bytes)
                    }, stderr: { await output.add(.stderr, $0) }, resize: sizes))
            }
            resize.yield(TerminalSize(width: 80, height: 24))
            feed.yield(Array("ping".utf8))
            _ = try await LiveContainerdTests.waitFor("the echo") { await output.text(.stdout) == "ping" ? true : nil }
            feed.yield(Array("q".utf8))
            let code = try await session.value
            #expect(code == 5)
            #expect(await output.text(.stderr) == "warn")
            feed.finish()
            resize.finish()
            let request = try #require(await state.execRequests.first)
            #expect(request.cmd == ["sh"] && request.containerID == container)
            #expect(request.stdin && request.stdout && request.stderr && !request.tty)
            #expect(await streaming.subprotocols == ["v5.channel.k8s.io, v4.channel.k8s.io"])
            #expect(await streaming.paths == ["/exec/token1"])
            #expect(await streaming.resizes == [#"{"Width":80,"Height":24}"#])
        }
    }

    @Test func endOfStdinReachesAV5Server() async throws {
        try await Self.withStreaming(v5: true) { _, runtime, _, container in
            let (input, feed) = AsyncStream<[UInt8]>.makeStream()
            feed.yield(Array("abc".utf8))
            feed.finish()
            let output = Collected()
            let code = try await runtime.exec(container, command: ["cat"], streams: ExecStreams(stdin: input, stdout: { await output.add(.stdout, $0) }))
            #expect(code == 5)
            let echoed = await output.text(.stdout)
            // stderr was not asked for: what the server sends there anyway is dropped.
            #expect(echoed == "abc")
        }
    }

    @Test func ttyExecWithoutStdinStillAsksForStdin() async throws {
        try await Self.withStreaming { state, runtime, _, container in
            // The fake ends its exec when it reads "q"; with no caller stdin, end it by cancelling.
            let session = Task { try await runtime.exec(container, command: ["top"], streams: ExecStreams(stdout: { _ in }, tty: true)) }
            _ = try await LiveContainerdTests.waitFor("the exec request") { await state.execRequests.first }
            session.cancel()
            _ = try? await session.value
            let request = try #require(await state.execRequests.first)
            #expect(request.tty && request.stdin && request.stdout && !request.stderr)
        }
    }

    @Test func ttyExecAsksForNoStderr() async throws {
        try await Self.withStreaming { state, runtime, _, container in
            let (input, feed) = AsyncStream<[UInt8]>.makeStream()
            feed.yield(Array("q".utf8))
            let output = Collected()
            let code = try await runtime.exec(container, command: ["sh"], streams: ExecStreams(
                stdin: input, stdout: { await output.add(.stdout, $0) }, stderr: { await output.add(.stderr, $0) }, tty: true))
            feed.finish()
            #expect(code == 5)
            let request = try #require(await state.execRequests.first)
            #expect(request.tty && !request.stderr && request.stdout)
            // Whatever the server sends on stderr still reaches the caller.
            #expect(await output.text(.stderr) == "warn")
        }
    }

    @Test func attachEndsWhenStdinEnds() async throws {
        try await Self.withStreaming { _, runtime, _, container in
            let (input, feed) = AsyncStream<[UInt8]>.makeStream()
            let output = Collected()
            let attached = Task { try await runtime.attach(container, streams: ExecStreams(stdin: input, stdout: { await output.add(.stdout, $0) })) }
            _ = try await LiveContainerdTests.waitFor("attach output") { await output.text(.stdout) == "attached" ? true : nil }
            feed.finish()
            try await attached.value
        }
    }

    @Test func portForwardStripsThePortPrefixAndCarriesData() async throws {
        try await Self.withStreaming { state, runtime, streaming, _ in
            let connection = try await runtime.portForward("sandbox-1", port: 8080)
            try await connection.write(Array("hello".utf8))
            #expect(try await connection.read() == Array("echo:hello".utf8))
            try await connection.write(Array("bye".utf8))
            #expect(try await connection.read() == Array("echo:bye".utf8))
            #expect(try await connection.read() == nil)
            await connection.close()
            let request = try #require(await state.portForwardRequests.first)
            #expect(request.podSandboxID == "sandbox-1" && request.port == [8080])
            #expect(await streaming.paths == ["/portforward/token3?port=8080"])
            #expect(await streaming.subprotocols == ["v4.channel.k8s.io"])
        }
    }

    @Test func execStatusParsing() throws {
        #expect(try KubernetesStatus.exitCode(from: Array(#"{"metadata":{},"status":"Success"}"#.utf8)) == 0)
        let nonZero = #"{"status":"Failure","reason":"NonZeroExitCode","details":{"causes":[{"reason":"ExitCode","message":"42"}]}}"#
        #expect(try KubernetesStatus.exitCode(from: Array(nonZero.utf8)) == 42)
        let failed = #"{"status":"Failure","message":"OCI runtime exec failed: exec: \"nope\": executable file not found in $PATH","reason":"InternalError"}"#
        #expect(throws: RuntimeError.failed(#"OCI runtime exec failed: exec: "nope": executable file not found in $PATH"#)) {
            try KubernetesStatus.exitCode(from: Array(failed.utf8))
        }
        #expect(throws: RuntimeError.self) { try KubernetesStatus.exitCode(from: Array("not json".utf8)) }
        #expect(try ChannelWebSocket.webSocketURL("http://127.0.0.1:3456/exec/abc", query: "") == "ws://127.0.0.1:3456/exec/abc")
        #expect(try ChannelWebSocket.webSocketURL("http://127.0.0.1:1/portforward/x", query: "port=80") == "ws://127.0.0.1:1/portforward/x?port=80")
        #expect(throws: RuntimeError.self) { try ChannelWebSocket.webSocketURL("ftp://x", query: "") }
    }
}
