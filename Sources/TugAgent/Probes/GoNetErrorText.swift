import AsyncHTTPClient
import Foundation
import NIOCore
import NIOPosix

/// Describes a connection error the way Go's `net` package does, because kubelet's probe
/// messages are Go error strings (`dial tcp 127.0.0.1:8080: connect: connection refused`) and
/// users search for them.
enum GoNetErrorText {
    /// `dial tcp HOST:PORT: …` for a failed connect, or nil when `error` is not a connect error.
    static func dial(_ error: any Error, host: String, port: Int) -> String? {
        let address = joinHostPort(host, port)
        if isTimeout(error) { return "dial tcp \(address): i/o timeout" }
        if let connection = error as? NIOConnectionError {
            if let first = connection.connectionErrors.first {
                return dial(first.error, host: host, port: port) ?? "dial tcp \(address): \(first.error)"
            }
            if connection.dnsAError != nil || connection.dnsAAAAError != nil {
                return "dial tcp: lookup \(host): no such host"
            }
            return "dial tcp \(address): connect: no address found"
        }
        if let io = error as? IOError {
            return "dial tcp \(address): connect: \(errnoText(io.errnoCode))"
        }
        if error is SocketAddressError {
            return "dial tcp: lookup \(host): no such host"
        }
        return nil
    }

    /// A timeout of the connect or of the whole request.
    static func isTimeout(_ error: any Error) -> Bool {
        if case ChannelError.connectTimeout = error { return true }
        if let http = error as? HTTPClientError {
            return http == .deadlineExceeded || http == .connectTimeout || http == .readTimeout
                || http == .getConnectionFromPoolTimeout || http == .writeTimeout
        }
        if let io = error as? IOError { return io.errnoCode == ETIMEDOUT }
        return false
    }

    /// Go's errno strings are the C library's, lower-cased (`connection refused`).
    static func errnoText(_ code: Int32) -> String {
        guard let c = strerror(code) else { return "errno \(code)" }
        let text = String(cString: c)
        guard let first = text.first else { return text }
        return first.lowercased() + text.dropFirst()
    }
}
