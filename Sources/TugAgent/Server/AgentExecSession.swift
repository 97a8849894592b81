import Foundation
import HummingbirdWebSocket
import Logging
import NIOCore
import TugAPI
import TugRuntime

/// One `exec` or `attach` on the agent, over a WebSocket speaking `v5.channel.k8s.io`: binary
/// messages whose first byte is the channel (0 stdin, 1 stdout, 2 stderr, 3 error, 4 resize,
/// 255 close with the closed channel as second byte). The agent answers with exactly one
/// channel-3 message, the `Status` of the command (Success, or NonZeroExitCode with the exit
/// code as cause), and then closes the socket.
struct AgentExecSession: Sendable {
    /// nil for attach.
    var command: [String]?
    var namespace: String
    var pod: String
    var container: String?
    var stdin: Bool
    var stdout: Bool
    var stderr: Bool
    var tty: Bool

    /// Parses the agent's exec/attach query (`command` repeats, flags are `1`/`true`).
    init(namespace: String, pod: String, container: String?, query: [(String, String)], attach: Bool) throws {
        func flag(_ name: String) -> Bool {
            guard let v = query.last(where: { $0.0 == name })?.1 else { return false }
            return v == "1" || v.lowercased() == "true"
        }
        self.namespace = namespace
        self.pod = pod
        self.container = container
        stdin = flag("stdin")
        stdout = flag("stdout")
        stderr = flag("stderr")
        tty = flag("tty")
        if attach {
            command = nil
        } else {
            let cmd = query.filter { $0.0 == "command" }.map(\.1)
            guard !cmd.isEmpty else { throw APIError.badRequest("you must specify at least one command for the container") }
            command = cmd
        }
    }

    func run(backend: any PodStreamingBackend, inbound: WebSocketInboundStream, outbound: WebSocketOutboundWriter, logger: Logger) async throws {
        let (stdinStream, stdinInput) = AsyncStream<[UInt8]>.makeStream(bufferingPolicy: .bufferingNewest(256))
        let (resizeStream, resizeInput) = AsyncStream<TerminalSize>.makeStream(bufferingPolicy: .bufferingNewest(8))
        let (started, startInput) = AsyncStream<Void>.makeStream()
        let out: @Sendable ([UInt8]) async -> Void = { bytes in try? await outbound.write(.binary(Self.frame(1, bytes))) }
        let err: @Sendable ([UInt8]) async -> Void = { bytes in try? await outbound.write(.binary(Self.frame(2, bytes))) }
        let streams = ExecStreams(stdin: stdin ? stdinStream : nil, stdout: stdout ? out : nil,
                                  stderr: stderr && !tty ? err : nil, tty: tty, resize: tty ? resizeStream : nil)
        let runtime = backend.runtime
        let session = self
        let status: JSONValue = await withTaskGroup(of: JSONValue?.self) { group in
            group.addTask {
                // Nothing is written before the API server's first message (see AgentServer).
                var waiting = started.makeAsyncIterator()
                _ = await waiting.next()
                do {
                    let id = try await backend.container(namespace: session.namespace, pod: session.pod, container: session.container).id
                    if let command = session.command {
                        return Self.exitStatus(try await runtime.exec(id, command: command, streams: streams), command: command)
                    }
                    try await runtime.attach(id, streams: streams)
                    return Self.exitStatus(0, command: nil)
                } catch {
                    return AgentError.status(error).status
                }
            }
            group.addTask {
                // The client's side: the start message, then stdin, resizes, closes. When the
                // client goes away the command is cancelled.
                do {
                    for try await message in inbound.messages(maxSize: 1 << 24) {
                        startInput.finish()
                        guard case .binary(let buffer) = message, let channel = buffer.getInteger(at: buffer.readerIndex, as: UInt8.self) else { continue }
                        let payload = Array(buffer.readableBytesView.dropFirst())
                        switch channel {
                        case 0: stdinInput.yield(payload)
                        case 4:
                            if let size = try? JSONDecoder().decode(WireSize.self, from: Data(payload)) {
                                resizeInput.yield(TerminalSize(width: size.Width, height: size.Height))
                            }
                        case 255 where payload.first == 0: stdinInput.finish()
                        default: break
                        }
                    }
                } catch {
                    logger.debug("exec client stream ended: \(error)")
                }
                startInput.finish()
                stdinInput.finish()
                resizeInput.finish()
                return nil
            }
            var result: JSONValue?
            for await r in group {
                if let r {
                    result = r
                    group.cancelAll()
                } else if result == nil {
                    // The client left before the command ended: stop it.
                    group.cancelAll()
                }
            }
            return result ?? Self.exitStatus(0, command: session.command)
        }
        try? await outbound.write(.binary(Self.frame(3, Array(status.serialized()))))
    }

    /// kubelet's wording of a command's end.
    static func exitStatus(_ code: Int32, command: [String]?) -> JSONValue {
        if code == 0 { return ["metadata": .object([:]), "status": "Success"] }
        let cmd = command.map { "[\($0.joined(separator: " "))]" } ?? "attach"
        return [
            "metadata": .object([:]), "status": "Failure",
            "message": .string("command terminated with non-zero exit code: error executing command \(cmd), exit code \(code)"),
            "reason": "NonZeroExitCode",
            "details": ["causes": [["reason": "ExitCode", "message": .string(String(code))]]],
        ]
    }

    static func frame(_ channel: UInt8, _ payload: [UInt8]) -> ByteBuffer {
        var b = ByteBuffer()
        b.reserveCapacity(payload.count + 1)
        b.writeInteger(channel)
        b.writeBytes(payload)
        return b
    }

    /// The resize channel's JSON (`{"Width":80,"Height":24}`).
    struct WireSize: Decodable {
        var Width: UInt16
        var Height: UInt16
    }
}
