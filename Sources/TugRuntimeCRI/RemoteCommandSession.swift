import Logging
import TugRuntime

/// One exec or attach over the runtime's streaming server: the caller's stdin and terminal
/// sizes go out on channels 0 and 4, stdout/stderr come back on 1 and 2, and the session's
/// status (v4: a Kubernetes Status in JSON) on 3 just before the server closes the socket.
struct RemoteCommandSession: Sendable {
    let socket: ChannelWebSocket
    let streams: ExecStreams
    /// Attach ends when the caller's stdin ends; exec half-closes stdin instead, which only a v5
    /// server passes on (under v4 the command's stdin stays open until it exits).
    let closeWhenStdinEnds: Bool
    let logger: Logger

    static func open(url: String, streams: ExecStreams, closeWhenStdinEnds: Bool, logger: Logger) async throws -> RemoteCommandSession {
        let socket = try await ChannelWebSocket.connect(url: url, subprotocols: ChannelWebSocket.remoteCommandProtocols, logger: logger)
        return RemoteCommandSession(socket: socket, streams: streams, closeWhenStdinEnds: closeWhenStdinEnds, logger: logger)
    }

    /// Runs until the server closes the session (or the calling task is cancelled); returns
    /// the status bytes, nil when none came.
    func run() async throws -> [UInt8]? {
        let socket = self.socket
        let stdinPump = Task { [streams, closeWhenStdinEnds, logger] in
            guard let input = streams.stdin else { return }
            for await chunk in input where !chunk.isEmpty {
                socket.send(channel: 0, chunk)
            }
            if closeWhenStdinEnds {
                socket.close()
            } else {
                // v5 closes the command's stdin; v4 (containerd 1.6) cannot pass the end on and
                // the command's stdin stays open until it exits.
                socket.closeChannel(0)
                logger.debug("exec: the caller's stdin ended; sent the v5 close signal")
            }
        }
        let resizePump = Task { [streams] in
            guard let sizes = streams.resize else { return }
            for await size in sizes {
                socket.send(channel: 4, KubernetesStatus.resizeMessage(size))
            }
        }
        defer {
            stdinPump.cancel()
            resizePump.cancel()
            socket.close()
        }
        var status: [UInt8]?
        do {
            for try await frame in socket.frames {
                logger.trace("streaming frame on channel \(frame.channel): \(frame.payload.count) bytes")
                guard !frame.payload.isEmpty else { continue }
                switch frame.channel {
                case 1: await streams.stdout?(frame.payload)
                case 2: await (streams.stderr ?? (streams.tty ? streams.stdout : nil))?(frame.payload)
                case 3: status = (status ?? []) + frame.payload
                default: continue
                }
            }
        } catch {
            // The socket failing after a status arrived is just the server hanging up abruptly.
            guard status != nil else { throw error }
        }
        return status
    }
}
