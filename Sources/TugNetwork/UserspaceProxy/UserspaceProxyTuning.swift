import NIOCore

/// Timeouts and bounds of the userspace proxy; the defaults suit a node, tests shorten them.
public struct UserspaceProxyTuning: Sendable, Hashable {
    /// How long a TCP connect to one endpoint may take before the next endpoint is tried.
    public var connectTimeout: TimeAmount
    /// Endpoints tried per TCP connection before the client is refused.
    public var connectAttempts: Int
    /// A UDP session (one client address) with no datagram either way for this long is closed.
    public var udpIdleTimeout: TimeAmount
    /// UDP sessions per listening socket; datagrams from further clients are dropped.
    public var maxUDPSessions: Int
    /// Datagrams held per UDP session while its upstream socket is being set up.
    public var maxPendingDatagrams: Int
    /// After a listener could not be opened (address in use, ClusterIP not added), how long
    /// until the proxy tries again.
    public var retryInterval: Duration
    /// After the first change, how long to wait for more before reconciling.
    public var coalescingWindow: Duration

    public init(connectTimeout: TimeAmount = .seconds(2), connectAttempts: Int = 3, udpIdleTimeout: TimeAmount = .seconds(60),
                maxUDPSessions: Int = 4096, maxPendingDatagrams: Int = 64, retryInterval: Duration = .seconds(5),
                coalescingWindow: Duration = .milliseconds(2)) {
        self.connectTimeout = connectTimeout
        self.connectAttempts = max(1, connectAttempts)
        self.udpIdleTimeout = udpIdleTimeout
        self.maxUDPSessions = max(1, maxUDPSessions)
        self.maxPendingDatagrams = max(1, maxPendingDatagrams)
        self.retryInterval = retryInterval
        self.coalescingWindow = coalescingWindow
    }
}
