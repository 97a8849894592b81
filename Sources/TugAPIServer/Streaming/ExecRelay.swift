import Foundation
import HummingbirdWSClient
import HummingbirdWebSocket
import Logging
import NIOCore
import TugAPI

/// `pods/exec` and `pods/attach` over a WebSocket: the client's session relayed to the agent's
/// `/exec` or `/attach` WebSocket, frame by frame (translated for the base64 protocol). The
/// agent's last frame is the command's `Status` on channel 3, after which both sockets close.
struct ExecRelay: Sendable {
    var target: PodStreamingTarget
    var kind: PodStreamingTarget.Kind
    var channelProtocol: ChannelProtocol
    var query: StreamingQuery

    /// The agent's path: the container in the path, the command and stream flags in the query.
    var agentPath: String {
        var items: [(name: String, value: String)] = []
        if kind == .exec { items += query.all("command").map { ("command", $0) } }
        for f in ["stdin", "stdout", "stderr", "tty"] { items.append((f, query.flag(f) ? "1" : "0")) }
        let path = "/\(kind == .exec ? "exec" : "attach")/\(encodePathSegment(target.namespace))/\(encodePathSegment(target.pod))/\(encodePathSegment(target.container ?? ""))"
        return path + "?" + StreamingQuery(items: items).encoded
    }

    func run(inbound: WebSocketInboundStream, outbound: WebSocketOutboundWriter, logger: Logger) async {
        let proto = channelProtocol
        let session: @Sendable (WebSocketInboundStream, WebSocketOutboundWriter) async -> Void = { agentIn, agentOut in
            await withTaskGroup(of: Void.self) { group in
                group.addTask {
                    // Agent to client; ends after the agent's Status, when the agent closes.
                    do {
                        for try await message in agentIn.messages(maxSize: 1 << 24) {
                            guard case .binary(let frame) = message else { continue }
                            try await outbound.write(proto.toClient(frame))
                        }
                    } catch {
                        logger.debug("exec relay: agent side ended: \(error)")
                    }
                }
                group.addTask {
                    // Client to agent; ends when the client closes its socket.
                    do {
                        for try await message in inbound.messages(maxSize: 1 << 24) {
                            if let frame = proto.fromClient(message) { try await agentOut.write(.binary(frame)) }
                        }
                    } catch {
                        logger.debug("exec relay: client side ended: \(error)")
                    }
                }
                // Either side ending ends the session.
                await group.next()
                group.cancelAll()
            }
        }
        do {
            try await target.dialAgent(path: agentPath, logger: logger, session)
        } catch {
            let e = APIError.internalError("error dialing backend: \(error) (the node agent at \(target.host):\(target.port))")
            try? await outbound.write(proto.errorFrame(e.status))
        }
    }
}
