import NIOCore

/// An open listening socket of the userspace proxy.
protocol UserspaceListener: Sendable {
    var key: UserspaceListenerKey { get }
    /// Open UDP sessions (0 for TCP, whose connections run on their own).
    func sessionCount() async -> Int
    /// Stops listening; for UDP also closes the sessions. Open TCP connections keep going.
    func close() async
}

/// What the proxy is doing on one listener, for tests and diagnostics.
public struct UserspaceListenerStatus: Sendable, Hashable, CustomStringConvertible {
    public var key: UserspaceListenerKey
    /// `ProxiedServicePort.id` of the port it forwards.
    public var servicePort: String
    public var traffic: UserspaceTraffic
    /// `ip/port` of the endpoints new connections may go to (for external traffic, from outside the cluster).
    public var endpoints: [String]
    public var udpSessions: Int

    public var description: String { "\(key) -> \(servicePort) [\(endpoints.joined(separator: ", "))]" }
}
