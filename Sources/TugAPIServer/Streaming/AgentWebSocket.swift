import HummingbirdWSClient
import HummingbirdWebSocket
import Logging

extension PodStreamingTarget {
    /// Opens a WebSocket to the node agent at `path` (query included) and runs `session` on it.
    /// The API server speaks first — a `start` text message — as the agent protocol requires
    /// (see `AgentServer`): the agent writes nothing before it.
    func dialAgent(path: String, logger: Logger,
                   _ session: @escaping @Sendable (WebSocketInboundStream, WebSocketOutboundWriter) async -> Void) async throws {
        let client = WebSocketClient(url: url(scheme: "ws", path: path), configuration: .init(maxFrameSize: 1 << 20), logger: logger) {
            agentIn, agentOut, _ in
            try? await agentOut.write(.text("start"))
            await session(agentIn, agentOut)
        }
        try await client.run()
    }

    /// The agent's path for one port-forward connection.
    func portForwardPath(_ port: UInt16) -> String {
        "/portForward/\(encodePathSegment(namespace))/\(encodePathSegment(pod))?port=\(port)"
    }

    /// What the client is told when the agent cannot be reached for a forwarded port.
    func portForwardDialFailure(_ forwarded: UInt16, _ error: any Error) -> String {
        "error forwarding port \(forwarded) to pod \(namespace)/\(pod): error dialing the node agent at \(host):\(port): \(error)"
    }
}
