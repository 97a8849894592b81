#if canImport(Glibc)
import Glibc
#endif
import Foundation
import NIOPosix

/// TCP inside a network namespace this process is not in: a socket stays in the namespace it was
/// created in, so a short-lived thread enters the namespace, makes the socket and leaves.
enum NetnsTCP {
    enum Outcome: Hashable, CustomStringConvertible {
        case reply(String)
        case refused
        case timedOut
        case failed(Int32)

        var description: String {
            switch self {
            case .reply(let s): "reply \(s)"
            case .refused: "connection refused"
            case .timedOut: "timed out"
            case .failed(let e): "error \(String(cString: strerror(e)))"
            }
        }
    }

    struct Failure: Error, CustomStringConvertible { let description: String }

    private typealias SetNS = @convention(c) (Int32, Int32) -> Int32
    /// glibc's `setns` (a GNU extension Swift does not import) and Linux's cloneNewNet.
    private static let setnsFunction: SetNS? = {
        guard let handle = dlopen(nil, RTLD_NOW), let symbol = dlsym(handle, "setns") else { return nil }
        return unsafeBitCast(symbol, to: SetNS.self)
    }()
    private static let cloneNewNet: Int32 = 0x4000_0000

    private static func setns(_ fd: Int32, _ type: Int32) -> Int32 { setnsFunction?(fd, type) ?? -1 }

    /// A TCP socket created inside `/var/run/netns/NAME`.
    static func socket(in netns: String) throws -> Int32 {
        final class Box: @unchecked Sendable { var fd: Int32 = -1; var error: String? }
        let box = Box()
        let done = DispatchSemaphore(value: 0)
        let thread = Thread {
            defer { done.signal() }
            let home = open("/proc/thread-self/ns/net", O_RDONLY | O_CLOEXEC)
            let target = open("/var/run/netns/\(netns)", O_RDONLY | O_CLOEXEC)
            defer { close(home); close(target) }
            guard home >= 0, target >= 0, setns(target, cloneNewNet) == 0 else {
                box.error = "cannot enter network namespace \(netns): \(String(cString: strerror(errno)))"
                return
            }
            box.fd = Glibc.socket(AF_INET, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
            // This thread ends here; going back keeps the pool of threads clean anyway.
            if setns(home, cloneNewNet) != 0 { box.error = "cannot leave network namespace \(netns)" }
        }
        thread.start()
        done.wait()
        if let error = box.error { if box.fd >= 0 { close(box.fd) }; throw Failure(description: error) }
        guard box.fd >= 0 else { throw Failure(description: "socket() failed in \(netns)") }
        return box.fd
    }

    static func address(_ ip: String, _ port: Int) -> sockaddr_in {
        var addr = sockaddr_in()
        addr.sin_family = sa_family_t(AF_INET)
        addr.sin_port = in_port_t(UInt16(port).bigEndian)
        inet_pton(AF_INET, ip, &addr.sin_addr)
        return addr
    }

    /// Connects from inside `netns` and reads the server's one-line answer.
    static func request(netns: String, _ ip: String, _ port: Int, timeout: Int = 3) async throws -> Outcome {
        let fd = try socket(in: netns)
        return try await NIOThreadPool.singleton.runIfActive {
            defer { close(fd) }
            var tv = timeval(tv_sec: timeout, tv_usec: 0)
            setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, socklen_t(MemoryLayout<timeval>.size))
            setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, socklen_t(MemoryLayout<timeval>.size))
            var addr = address(ip, port)
            let rc = withUnsafePointer(to: &addr) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
            }
            if rc != 0 {
                switch errno {
                case ECONNREFUSED: return .refused
                case EINPROGRESS, ETIMEDOUT, EAGAIN: return .timedOut
                default: return .failed(errno)
                }
            }
            var buffer = [UInt8](repeating: 0, count: 256)
            let n = read(fd, &buffer, buffer.count)
            if n < 0 { return errno == EAGAIN ? .timedOut : .failed(errno) }
            return .reply(String(decoding: buffer[0..<n], as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines))
        }
    }

    /// Answers every connection with `message` and closes it, on its own thread, until stopped.
    final class Server: @unchecked Sendable {
        let fd: Int32
        private let thread: Thread

        /// - Parameter echoPeer: append " from PEER-IP" to the answer (to see masquerading).
        init(netns: String, ip: String, port: Int, message: String, echoPeer: Bool = false) throws {
            let fd = try NetnsTCP.socket(in: netns)
            var one: Int32 = 1
            setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, socklen_t(MemoryLayout<Int32>.size))
            var addr = NetnsTCP.address(ip, port)
            let bound = withUnsafePointer(to: &addr) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
            }
            guard bound == 0, listen(fd, 64) == 0 else {
                let error = String(cString: strerror(errno))
                close(fd)
                throw Failure(description: "cannot listen on \(ip):\(port) in \(netns): \(error)")
            }
            self.fd = fd
            let reply = Array((message + "\n").utf8)
            thread = Thread {
                // Bounded: at most 100000 connections, and it ends when the socket is shut down.
                for _ in 0..<100_000 {
                    var peer = sockaddr_in()
                    var length = socklen_t(MemoryLayout<sockaddr_in>.size)
                    let conn = withUnsafeMutablePointer(to: &peer) {
                        $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { accept(fd, $0, &length) }
                    }
                    if conn < 0 { if errno == EINTR { continue }; return }
                    var answer = reply
                    if echoPeer {
                        var text = [CChar](repeating: 0, count: 32)
                        inet_ntop(AF_INET, &peer.sin_addr, &text, 32)
                        answer = Array((message + " from " + String(cString: text) + "\n").utf8)
                    }
                    _ = answer.withUnsafeBytes { write(conn, $0.baseAddress, $0.count) }
                    close(conn)
                }
            }
            thread.start()
        }

        func stop() {
            shutdown(fd, Int32(SHUT_RDWR))
            close(fd)
        }
    }
}
