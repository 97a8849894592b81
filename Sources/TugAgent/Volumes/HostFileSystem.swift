import Foundation
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A failed file-system call, with the path and the system's reason.
public struct FileSystemError: Error, Sendable, Hashable, CustomStringConvertible {
    public var operation: String
    public var path: String
    public var reason: String
    /// The errno of the failed call.
    public var code: Int32
    public var description: String { "\(operation) \(path): \(reason)" }

    init(_ operation: String, _ path: String, errno code: Int32 = errno) {
        self.operation = operation
        self.path = path
        self.code = code
        reason = String(cString: strerror(code))
    }
}

/// The few POSIX calls volume setup needs, with errors that name the path. Symlinks are never
/// followed unless a function says so.
enum HostFileSystem {
    enum FileType: Sendable, Hashable {
        case directory, regular, symlink, socket, characterDevice, blockDevice, fifo, other
    }

    /// The type of what is at `path` (nil when nothing is); `followLinks` uses stat, else lstat.
    static func fileType(_ path: String, followLinks: Bool = false) -> FileType? {
        var st = stat()
        let rc = followLinks ? stat(path, &st) : lstat(path, &st)
        guard rc == 0 else { return nil }
        switch st.st_mode & S_IFMT {
        case S_IFDIR: return .directory
        case S_IFREG: return .regular
        case S_IFLNK: return .symlink
        case S_IFSOCK: return .socket
        case S_IFCHR: return .characterDevice
        case S_IFBLK: return .blockDevice
        case S_IFIFO: return .fifo
        default: return .other
        }
    }

    /// The permission bits (`& 0o7777`) of `path`, following links.
    static func mode(_ path: String) throws -> UInt32 {
        var st = stat()
        guard stat(path, &st) == 0 else { throw FileSystemError("stat", path) }
        return UInt32(st.st_mode) & 0o7777
    }

    static func exists(_ path: String) -> Bool { fileType(path) != nil }

    /// Creates `path` and missing parents with `mode` (then chmod, so the umask does not matter
    /// for the last component).
    static func makeDirectories(_ path: String, mode: UInt32) throws {
        if fileType(path, followLinks: true) == .directory { return }
        let parent = (path as NSString).deletingLastPathComponent
        if !parent.isEmpty, parent != path, !exists(parent) { try makeDirectories(parent, mode: mode) }
        if mkdir(path, mode_t(mode)) != 0 && errno != EEXIST { throw FileSystemError("mkdir", path) }
        try chmod(path, mode)
    }

    static func chmod(_ path: String, _ mode: UInt32) throws {
        #if canImport(Glibc)
        let rc = Glibc.chmod(path, mode_t(mode))
        #else
        let rc = Darwin.chmod(path, mode_t(mode))
        #endif
        guard rc == 0 else { throw FileSystemError("chmod", path) }
    }

    /// Writes `data` to a new or truncated file and sets `mode` exactly.
    static func writeFile(_ path: String, _ data: [UInt8], mode: UInt32) throws {
        let fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, mode_t(mode))
        guard fd >= 0 else { throw FileSystemError("open", path) }
        defer { close(fd) }
        var written = 0
        while written < data.count {
            let n = data[written...].withUnsafeBytes { write(fd, $0.baseAddress, $0.count) }
            if n < 0 {
                if errno == EINTR { continue }
                throw FileSystemError("write", path)
            }
            written += n
        }
        guard fchmod(fd, mode_t(mode)) == 0 else { throw FileSystemError("chmod", path) }
    }

    static func readFile(_ path: String) throws -> [UInt8] {
        guard let d = FileManager.default.contents(atPath: path) else { throw FileSystemError("read", path, errno: ENOENT) }
        return [UInt8](d)
    }

    static func readLink(_ path: String) -> String? {
        var buf = [CChar](repeating: 0, count: Int(PATH_MAX) + 1)
        let n = readlink(path, &buf, buf.count - 1)
        guard n >= 0 else { return nil }
        return String(decoding: buf[0..<n].map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }

    static func symlink(target: String, at path: String) throws {
        #if canImport(Glibc)
        let rc = Glibc.symlink(target, path)
        #else
        let rc = Darwin.symlink(target, path)
        #endif
        guard rc == 0 else { throw FileSystemError("symlink", path) }
    }

    /// rename(2): atomically replaces `to` (a symlink swap for `..data`).
    static func rename(_ from: String, to: String) throws {
        #if canImport(Glibc)
        let rc = Glibc.rename(from, to)
        #else
        let rc = Darwin.rename(from, to)
        #endif
        guard rc == 0 else { throw FileSystemError("rename", from) }
    }

    /// Removes a file, a symlink (not its target) or a whole directory tree; nothing there is fine.
    static func removeAll(_ path: String) throws {
        guard exists(path) else { return }
        do {
            try FileManager.default.removeItem(atPath: path)
        } catch {
            throw FileSystemError("remove", path, errno: EIO)
        }
    }

    /// The canonical path with every symlink resolved (realpath), or nil when it does not exist.
    static func realPath(_ path: String) -> String? {
        guard let p = realpath(path, nil) else { return nil }
        defer { free(p) }
        return String(cString: p)
    }

    /// Whether `path` is `root` or below it (both canonical).
    static func isWithin(_ path: String, root: String) -> Bool {
        path == root || path.hasPrefix(root.hasSuffix("/") ? root : root + "/")
    }

    static var isRoot: Bool { geteuid() == 0 }
}
