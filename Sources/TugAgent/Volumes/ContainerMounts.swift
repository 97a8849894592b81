import Foundation
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import TugAPI
import TugRuntime

/// A container's mounts from its `volumeMounts` (kubelet's `makeMounts`): each resolves to its
/// volume's host path, or a `subPath`/`subPathExpr` below it. A sub path must be relative, must
/// not contain `..`, and must not lead outside the volume through symlinks; a missing one is
/// created with the volume root's mode. API data volumes are always read-only.
public enum ContainerMounts {
    /// Throws `ContainerConfigError` with the kubelet's message.
    public static func make(for container: CoreV1.Container, volumes: [String: MountedVolume], env: [TugRuntime.EnvVar]) throws -> [TugRuntime.Mount] {
        let containerName = container.name ?? ""
        var mounts: [TugRuntime.Mount] = []
        for vm in container.volumeMounts ?? [] {
            let volumeName = vm.name ?? ""
            guard let volume = volumes[volumeName] else {
                throw ContainerConfigError("cannot find volume \"\(volumeName)\" to mount into container \"\(containerName)\"")
            }
            var subPath = vm.subPath ?? ""
            if let expr = vm.subPathExpr, !expr.isEmpty { subPath = try expandSubPath(expr, env: env) }
            if !subPath.isEmpty {
                if subPath.hasPrefix("/") { throw ContainerConfigError("error SubPath `\(subPath)` must not be an absolute path") }
                if subPath.split(separator: "/", omittingEmptySubsequences: false).contains("..") {
                    throw ContainerConfigError("unable to provision SubPath `\(subPath)`: must not contain '..'")
                }
            }
            var hostPath = volume.hostPath
            if !subPath.isEmpty {
                hostPath = try resolveSubPath(subPath, volumePath: volume.hostPath, mount: volumeName, container: containerName)
            }
            if let p = vm.mountPropagation, !["", "None", "HostToContainer", "Bidirectional"].contains(p) {
                throw ContainerConfigError("invalid MountPropagation mode: \"\(p)\"")
            }
            var containerPath = vm.mountPath ?? ""
            if !containerPath.hasPrefix("/") { containerPath = "/" + containerPath }
            mounts.append(TugRuntime.Mount(containerPath: containerPath, hostPath: hostPath, readOnly: vm.readOnly == true || volume.mustMountReadOnly))
        }
        return mounts
    }

    /// `subPathExpr` expanded with the container's env; a reference to an unset or empty
    /// variable is an error (kubelet's `ExpandContainerVolumeMounts`).
    static func expandSubPath(_ expr: String, env: [TugRuntime.EnvVar]) throws -> String {
        let map = VariableExpansion.variableMap(env)
        var missing: Set<String> = []
        let expanded = VariableExpansion.expand(expr) { name in
            let value = map[name] ?? ""
            if value.isEmpty { missing.insert(name) }
            return value
        }
        if !missing.isEmpty { throw ContainerConfigError("missing value for \(missing.sorted().joined(separator: ", "))") }
        return expanded
    }

    /// The host path of `subPath` inside the volume, created (as directories, with the volume's
    /// mode) when missing, with every symlink resolved and checked to stay inside the volume.
    static func resolveSubPath(_ subPath: String, volumePath: String, mount: String, container: String) throws -> String {
        guard let root = HostFileSystem.realPath(volumePath) else {
            throw ContainerConfigError("failed to prepare subPath for volumeMount \"\(mount)\" of container \"\(container)\"")
        }
        let full = (volumePath as NSString).appendingPathComponent(subPath)
        if !HostFileSystem.exists(full) {
            do {
                try safeMakeDirectories(subPath, root: root, mode: try HostFileSystem.mode(root))
            } catch {
                throw ContainerConfigError("failed to create subPath directory for volumeMount \"\(mount)\" of container \"\(container)\"")
            }
        }
        guard let real = HostFileSystem.realPath(full), HostFileSystem.isWithin(real, root: root) else {
            throw ContainerConfigError("failed to prepare subPath for volumeMount \"\(mount)\" of container \"\(container)\"")
        }
        return real
    }

    /// Creates the missing directories of `subPath` below `root` one at a time, refusing to go
    /// through anything that leads outside `root` (kubelet's `SafeMakeDir`).
    static func safeMakeDirectories(_ subPath: String, root: String, mode: UInt32) throws {
        var current = root
        for part in subPath.split(separator: "/") where part != "." {
            let next = (current as NSString).appendingPathComponent(String(part))
            if HostFileSystem.exists(next) {
                guard let real = HostFileSystem.realPath(next), HostFileSystem.isWithin(real, root: root),
                      HostFileSystem.fileType(real) == .directory else {
                    throw FileSystemError("mkdir", next, errno: ENOTDIR)
                }
                current = real
            } else {
                if mkdir(next, mode_t(mode)) != 0 { throw FileSystemError("mkdir", next) }
                try HostFileSystem.chmod(next, mode)
                current = next
            }
        }
    }
}
