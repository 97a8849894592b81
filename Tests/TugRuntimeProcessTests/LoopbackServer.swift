#if canImport(Glibc)
import Glibc
#endif
import Foundation

/// A one-connection TCP echo server on 127.0.0.1 with a kernel-chosen port.
final class LoopbackServer: Sendable {
    let fd: Int32
    let port: UInt16

    init() throws {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        self.fd = fd
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = UInt32(0x7F00_0001).bigEndian
        address.sin_port = 0
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = withUnsafeMutablePointer(to: &address) { pointer in
            pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, length) == 0 && getsockname(fd, $0, &length) == 0 }
        }
        guard bound, listen(fd, 1) == 0 else { throw POSIXError(.EADDRINUSE) }
        port = UInt16(bigEndian: address.sin_port)
    }

    /// Accepts one connection, echoes its first read back and returns it.
    func acceptEcho() async -> [UInt8] {
        let fd = self.fd
        return await withCheckedContinuation { continuation in
            DispatchQueue.global().async {
                let client = accept(fd, nil, nil)
                var buffer = [UInt8](repeating: 0, count: 1024)
                let n = buffer.withUnsafeMutableBytes { read(client, $0.baseAddress!, 1024) }
                let bytes = n > 0 ? Array(buffer[0..<n]) : []
                _ = bytes.withUnsafeBytes { write(client, $0.baseAddress!, bytes.count) }
                Glibc.close(client)
                continuation.resume(returning: bytes)
            }
        }
    }

    func close() { Glibc.close(fd) }
}
