/// gRPC probes (`grpc.health.v1.Health/Check` over HTTP/2). The agent has no HTTP/2 client
/// yet, so a grpc probe fails with a message saying so rather than pretending to pass.
enum GRPCHealthCheck {
    static let unsupportedMessage = "gRPC probes are not supported yet by this node agent (Tugboat); use an httpGet, tcpSocket or exec probe"

    static func probe(host: String, port: Int, service: String, timeout: Duration) async -> ProbeAttempt {
        ProbeAttempt(result: .failure, output: unsupportedMessage)
    }
}
