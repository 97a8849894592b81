import Foundation
import TugRuntime
#if canImport(Glibc)
import Glibc
#endif

/// The host's mounts (`/proc/self/mountinfo`) and the tmpfs mount/unmount calls that
/// memory-backed volumes need.
enum MountTable {
    /// Mount points at or below `directory`, deepest first (so they unmount in order).
    static func mountPoints(under directory: String) -> [String] {
        guard let text = KernelFile.contents("/proc/self/mountinfo") else { return [] }
        let root = HostFileSystem.realPath(directory) ?? directory
        var points: [String] = []
        for line in text.split(separator: "\n") {
            let fields = line.split(separator: " ", omittingEmptySubsequences: false)
            guard fields.count > 4 else { continue }
            let point = unescape(String(fields[4]))
            if HostFileSystem.isWithin(point, root: root) { points.append(point) }
        }
        return points.sorted { $0.count > $1.count }
    }

    static func isMountPoint(_ path: String) -> Bool {
        let p = HostFileSystem.realPath(path) ?? path
        return mountPoints(under: p).contains(p)
    }

    /// mountinfo escapes space, tab, newline and backslash as `\ooo`.
    static func unescape(_ s: String) -> String {
        guard s.contains("\\") else { return s }
        var out: [UInt8] = []
        let b = Array(s.utf8)
        var i = 0
        while i < b.count {
            if b[i] == UInt8(ascii: "\\"), i + 3 < b.count,
               let v = UInt8(String(decoding: b[(i + 1)...(i + 3)], as: UTF8.self), radix: 8) {
                out.append(v)
                i += 4
            } else {
                out.append(b[i])
                i += 1
            }
        }
        return String(decoding: out, as: UTF8.self)
    }

    /// Mounts a tmpfs at `path`, limited to `sizeBytes` when given.
    static func mountTmpfs(at path: String, sizeBytes: Int64?) throws {
        #if os(Linux)
        let options = sizeBytes.map { "size=\($0)" } ?? ""
        let rc = options.withCString { opts in
            mount("tmpfs", path, "tmpfs", 0, opts)
        }
        guard rc == 0 else { throw FileSystemError("mount tmpfs at", path) }
        #else
        throw FileSystemError("mount tmpfs at", path, errno: ENOTSUP)
        #endif
    }

    /// Unmounts `path`; a busy mount is detached lazily.
    static func unmount(_ path: String) throws {
        #if os(Linux)
        if umount2(path, 0) == 0 { return }
        if errno == EBUSY, umount2(path, Int32(MNT_DETACH)) == 0 { return }
        throw FileSystemError("unmount", path)
        #else
        throw FileSystemError("unmount", path, errno: ENOTSUP)
        #endif
    }
}
