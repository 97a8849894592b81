import NIOCore
import NIOPosix

/// Opens and closes one TCP connection: the whole of a tcpSocket probe.
public enum TCPDialer {
    /// Nil when the connection opened within `timeout`, else Go's dial error text
    /// (`dial tcp 127.0.0.1:8080: connect: connection refused`, `… i/o timeout`).
    public static func dial(host: String, port: Int, timeout: Duration) async -> String? {
        let nanos = max(1, Int64(timeout.timeInterval * 1e9))
        let bootstrap = ClientBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .connectTimeout(.nanoseconds(nanos))
        do {
            let channel = try await bootstrap.connect(host: host, port: port).get()
            try? await channel.close().get()
            return nil
        } catch {
            return GoNetErrorText.dial(error, host: host, port: port) ?? "dial tcp \(joinHostPort(host, port)): \(error)"
        }
    }
}
