#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif
import Foundation
import TugShimKit
import Synchronization
import TugRuntime

/// A TCP connection to a loopback port, read and written on GCD threads.
final class TCPByteConnection: ByteConnection {
    private let fd: Int32
    private let closed = Mutex(false)

    private init(fd: Int32) { self.fd = fd }

    deinit { Glibc.close(fd) }

    static func connect(toLoopbackPort port: UInt16) async throws -> TCPByteConnection {
        let result: Result<Int32, RuntimeProcessError> = await Blocking.run {
            let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
            guard fd >= 0 else { return .failure(RuntimeProcessError(Sys.errorMessage("socket"))) }
            var address = sockaddr_in()
            address.sin_family = sa_family_t(AF_INET)
            address.sin_port = port.bigEndian
            address.sin_addr.s_addr = UInt32(0x7F00_0001).bigEndian
            let status = withUnsafePointer(to: &address) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { Glibc.connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
            }
            guard status == 0 else {
                let message = Sys.errorMessage("connect to 127.0.0.1:\(port)")
                Glibc.close(fd)
                return .failure(RuntimeProcessError(message))
            }
            return .success(fd)
        }
        return TCPByteConnection(fd: try result.get())
    }

    func read() async throws -> [UInt8]? {
        guard !closed.withLock({ $0 }) else { return nil }
        let fd = self.fd
        return await Blocking.run { Sys.readChunk(fd) }
    }

    func write(_ bytes: [UInt8]) async throws {
        guard !closed.withLock({ $0 }) else { throw RuntimeError.failed("write to a closed port-forward connection") }
        let fd = self.fd
        let sent: Bool = await Blocking.run {
            var offset = 0
            while offset < bytes.count {
                let n = bytes.withUnsafeBytes { send(fd, $0.baseAddress! + offset, $0.count - offset, Int32(MSG_NOSIGNAL)) }
                if n < 0 { if errno == EINTR { continue }; return false }
                offset += n
            }
            return true
        }
        guard sent else { throw RuntimeError.failed(Sys.errorMessage("port-forward write")) }
    }

    func closeWrite() async { shutdown(fd, Int32(SHUT_WR)) }

    /// Shuts the socket down (waking a blocked read); the descriptor closes with the object.
    func close() async {
        if closed.withLock({ let was = $0; $0 = true; return was }) { return }
        shutdown(fd, Int32(SHUT_RDWR))
    }
}
