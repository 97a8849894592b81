#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif
import Foundation
import TugShimKit
import TugRuntime

/// Turns a container's mounts into what the process runtime can do on the host: bind mounts in
/// a private mount namespace as root; symlinks otherwise, where a symlink can stand in.
enum MountPlanner {
    struct Plan {
        /// For the launcher to bind-mount (root only).
        var bindMounts: [Mount] = []
        /// Mount points and symlinks made now, in creation order, to remove with the container.
        var createdPaths: [String] = []
    }

    static func prepare(_ mounts: [Mount], asRoot: Bool) throws -> Plan {
        var plan = Plan()
        do {
            for mount in mounts { try prepare(mount, asRoot: asRoot, into: &plan) }
        } catch {
            cleanUp(plan.createdPaths)
            throw error
        }
        return plan
    }

    private static func prepare(_ mount: Mount, asRoot: Bool, into plan: inout Plan) throws {
        let target = mount.containerPath, source = mount.hostPath
        guard target.hasPrefix("/"), source.hasPrefix("/") else {
            throw RuntimeError.invalidConfig("mount \(source) at \(target): both paths must be absolute")
        }
        guard let resolvedSource = realPath(source) else {
            throw RuntimeError.invalidConfig("mount source path \(source) for \(target) does not exist on the node")
        }
        // The host path already is the container path: a process runtime shares the host's files.
        if let resolvedTarget = realPath(target), resolvedTarget == resolvedSource { return }

        if asRoot {
            if !pathExists(target) {
                try createMountPoint(target, directory: Posix.isDirectory(resolvedSource), into: &plan)
            }
            plan.bindMounts.append(mount)
            return
        }
        if pathExists(target) {
            throw RuntimeError.invalidConfig("the process runtime needs root to mount \(source) at \(target), which already exists on "
                + "the node; run the agent as root or choose a mount path that does not exist")
        }
        let parent = (target as NSString).deletingLastPathComponent
        guard Posix.isDirectory(parent), access(parent, W_OK) == 0 else {
            throw RuntimeError.invalidConfig("the process runtime needs root to mount \(source) at \(target): \(parent) is missing or "
                + "not writable by the agent's user, so no symlink can stand in for the mount; run the agent as root")
        }
        guard symlink(source, target) == 0 else {
            throw RuntimeError.invalidConfig(Sys.errorMessage("cannot link \(target) to \(source)"))
        }
        plan.createdPaths.append(target)
    }

    /// Creates the missing folders down to `path` and `path` itself (a folder, or an empty file
    /// when a file is mounted there).
    private static func createMountPoint(_ path: String, directory: Bool, into plan: inout Plan) throws {
        var prefix = ""
        let components = path.split(separator: "/").map(String.init)
        for (index, component) in components.enumerated() {
            prefix += "/" + component
            if pathExists(prefix) { continue }
            let isLast = index == components.count - 1
            if isLast && !directory {
                let fd = open(prefix, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o644)
                guard fd >= 0 else { throw RuntimeError.invalidConfig(Sys.errorMessage("cannot create mount point \(prefix)")) }
                close(fd)
            } else if mkdir(prefix, 0o755) != 0 {
                throw RuntimeError.invalidConfig(Sys.errorMessage("cannot create mount point \(prefix)"))
            }
            plan.createdPaths.append(prefix)
        }
    }

    /// Removes what `prepare` made, newest first: symlinks, empty folders, empty files.
    static func cleanUp(_ createdPaths: [String]) {
        for path in createdPaths.reversed() {
            var st = stat()
            guard lstat(path, &st) == 0 else { continue }
            switch st.st_mode & S_IFMT {
            case S_IFLNK: unlink(path)
            case S_IFDIR: rmdir(path)
            case S_IFREG where st.st_size == 0: unlink(path)
            default: break
            }
        }
    }

    static func pathExists(_ path: String) -> Bool {
        var st = stat()
        return lstat(path, &st) == 0
    }

    static func realPath(_ path: String) -> String? {
        guard let resolved = realpath(path, nil) else { return nil }
        defer { free(resolved) }
        return String(cString: resolved)
    }
}
