import GRPCCore
import TugRuntime

extension CRIRuntime {
    /// Exit code reported for an ExecSync the runtime killed at its timeout (SIGKILL).
    static let killedExitCode: Int32 = 137

    /// CRI takes the timeout in whole seconds (0: none); the call may take that long plus the
    /// request timeout. A command the runtime killed at its timeout comes back `timedOut`.
    public func execSync(_ id: ContainerID, command: [String], timeout: Duration) async throws -> ExecResult {
        let seconds = Timestamps.seconds(timeout)
        let request = Runtime_V1_ExecSyncRequest.with {
            $0.containerID = id
            $0.cmd = command
            $0.timeout = seconds
        }
        do {
            let response = try await runtimeService.execSync(request, options: options(extra: .seconds(seconds)))
            return ExecResult(exitCode: response.exitCode, stdout: Array(response.stdout), stderr: Array(response.stderr))
        } catch let error as RPCError {
            // containerd 1.7+ answers DEADLINE_EXCEEDED; 1.6 an UNKNOWN "timeout 1s exceeded".
            if seconds > 0, error.code == .deadlineExceeded || Self.isExecTimeout(error.message) {
                return ExecResult(exitCode: Self.killedExitCode, stdout: [], stderr: [], timedOut: true)
            }
            throw translate(error, method: "ExecSync", subject: "in container \(id)")
        }
    }

    static func isExecTimeout(_ message: String) -> Bool {
        message.range(of: #"timeout [0-9.a-zµ]+ exceeded"#, options: .regularExpression) != nil
    }

    /// Asks the runtime for an exec session URL and runs it over a WebSocket; returns the
    /// command's exit code (from the session's final status).
    public func exec(_ id: ContainerID, command: [String], streams: ExecStreams) async throws -> Int32 {
        let wantsStdout = streams.stdout != nil || (streams.stdin == nil && streams.stderr == nil)
        let request = Runtime_V1_ExecRequest.with {
            $0.containerID = id
            $0.cmd = command
            $0.tty = streams.tty
            // containerd closes an exec's input at once when none is attached, and for a TTY that
            // closes the terminal and loses all output: a TTY session always gets a (silent) stdin.
            $0.stdin = streams.stdin != nil || streams.tty
            $0.stdout = wantsStdout
            // A terminal has one output; CRI refuses tty together with stderr.
            $0.stderr = !streams.tty && streams.stderr != nil
        }
        let url = try await call("Exec", subject: "in container \(id)") {
            try await runtimeService.exec(request, options: options())
        }.url
        let session = try await RemoteCommandSession.open(url: url, streams: streams, closeWhenStdinEnds: false, logger: logger)
        guard let status = try await session.run() else {
            throw RuntimeError.failed("the exec session in container \(id) ended without an exit status")
        }
        return try KubernetesStatus.exitCode(from: status)
    }

    /// Attaches to the container's main process; returns when it exits or the caller's stdin ends.
    public func attach(_ id: ContainerID, streams: ExecStreams) async throws {
        let request = Runtime_V1_AttachRequest.with {
            $0.containerID = id
            $0.stdin = streams.stdin != nil
            $0.tty = streams.tty
            $0.stdout = streams.stdout != nil || streams.stdin == nil
            $0.stderr = !streams.tty && streams.stderr != nil
        }
        let url = try await call("Attach", subject: "to container \(id)") {
            try await runtimeService.attach(request, options: options())
        }.url
        let session = try await RemoteCommandSession.open(url: url, streams: streams, closeWhenStdinEnds: true, logger: logger)
        if let status = try await session.run(), !status.isEmpty {
            // A failure status (the container went away, attach refused) is an error; success is silent.
            _ = try KubernetesStatus.exitCode(from: status)
        }
    }

    /// One TCP connection to `port` inside the sandbox's network namespace, through the
    /// runtime's port-forward streaming endpoint.
    public func portForward(_ sandbox: SandboxID, port: UInt16) async throws -> any ByteConnection {
        guard port > 0 else { throw RuntimeError.invalidConfig("port-forward needs a port between 1 and 65535, not 0") }
        let request = Runtime_V1_PortForwardRequest.with {
            $0.podSandboxID = sandbox
            $0.port = [Int32(port)]
        }
        let url = try await call("PortForward", subject: "to sandbox \(sandbox)") {
            try await runtimeService.portForward(request, options: options())
        }.url
        return try await PortForwardConnection.open(url: url, port: port, logger: logger)
    }
}
