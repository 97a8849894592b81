#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The `hostPath.type` checks of the kubelet's hostPath plugin: the `...OrCreate` types create
/// what is missing (a directory with its parents, mode 0755; a file, mode 0644, whose parent must
/// exist), the others require the path to be of that type. Messages are the kubelet's.
enum HostPathCheck {
    static func check(path: String, type: String) throws(VolumePathError) {
        let actual = HostFileSystem.fileType(path, followLinks: true)
        switch type {
        case "":
            return
        case "DirectoryOrCreate":
            if actual == nil {
                do { try HostFileSystem.makeDirectories(path, mode: 0o755) } catch { throw VolumePathError("\(error)") }
                return
            }
            try require(actual == .directory, "\(path) is not a directory")
        case "Directory":
            try require(actual == .directory, "\(path) is not a directory")
        case "FileOrCreate":
            if actual == nil {
                let fd = open(path, O_CREAT | O_WRONLY | O_CLOEXEC, 0o644)
                guard fd >= 0 else { throw VolumePathError(FileSystemError("open", path).description) }
                close(fd)
                return
            }
            try require(actual == .regular, "\(path) is not a file")
        case "File":
            try require(actual == .regular, "\(path) is not a file")
        case "Socket":
            try require(actual == .socket, "\(path) is not a socket file")
        case "CharDevice":
            try require(actual == .characterDevice, "\(path) is not a character device")
        case "BlockDevice":
            try require(actual == .blockDevice, "\(path) is not a block device")
        default:
            throw VolumePathError("\(type) is an invalid volume type")
        }
    }

    private static func require(_ ok: Bool, _ what: String) throws(VolumePathError) {
        if !ok { throw VolumePathError("hostPath type check failed: \(what)") }
    }
}
