import Logging
#if canImport(Glibc)
import Glibc
#endif
import TugAPI

/// Creates emptyDir directories (and the wrapped directories of secret and projected volumes,
/// which the kubelet keeps in memory): a plain directory on disk, or for medium `Memory` a tmpfs
/// when this process may mount (root), sized as the kubelet sizes it.
struct EmptyDirSetup {
    /// The kubelet makes every emptyDir world-writable, whatever the umask.
    static let mode: UInt32 = 0o777

    let canMountTmpfs: Bool
    let logger: Logger

    /// Sets up `dir`; answers whether it is a tmpfs. Calling it again keeps the content.
    func setUp(dir: String, volume: String, memory: Bool, sizeLimit: Int64?) throws -> Bool {
        try HostFileSystem.makeDirectories(dir, mode: Self.mode)
        guard memory else { return false }
        if MountTable.isMountPoint(dir) { return true }
        guard canMountTmpfs else {
            logger.info("volume \(volume): medium Memory without mount privileges, using a plain directory on disk at \(dir)")
            return false
        }
        do {
            try MountTable.mountTmpfs(at: dir, sizeBytes: sizeLimit)
        } catch let e as FileSystemError where e.code == EPERM {
            // Root without CAP_SYS_ADMIN (an unprivileged container): still run the pod.
            logger.warning("volume \(volume): medium Memory but mounting a tmpfs is not permitted here (\(e.reason)), using a plain directory on disk at \(dir)")
            return false
        }
        try HostFileSystem.chmod(dir, Self.mode)
        logger.info("volume \(volume): tmpfs mounted at \(dir)\(sizeLimit.map { " with size=\($0)" } ?? "")")
        return true
    }

    /// The tmpfs size (kubelet's `calculateEmptyDirMemorySize`): node allocatable memory, lowered
    /// to the pod's memory limit and then to the volume's `sizeLimit` when those are smaller.
    static func memorySize(pod: CoreV1.Pod, sizeLimit: Quantity?, nodeAllocatable: [String: Quantity]) -> Int64? {
        var size = nodeAllocatable["memory"]?.value
        if let podLimit = podMemoryLimit(pod), podLimit > 0, size.map({ podLimit <= $0 }) ?? true { size = podLimit }
        if let limit = sizeLimit?.value, limit > 0, size.map({ limit <= $0 }) ?? true { size = limit }
        return size.flatMap { $0 > 0 ? $0 : nil }
    }

    /// The pod's memory limit when every container has one: the larger of the sum over app
    /// containers and the largest init container.
    static func podMemoryLimit(_ pod: CoreV1.Pod) -> Int64? {
        let apps = pod.spec?.containers ?? [], inits = pod.spec?.initContainers ?? []
        var sum: Int64 = 0, maxInit: Int64 = 0
        for c in apps {
            guard let q = c.resources?.limits?["memory"] else { return nil }
            sum += q.value
        }
        for c in inits {
            guard let q = c.resources?.limits?["memory"] else { return nil }
            maxInit = max(maxInit, q.value)
        }
        return max(sum, maxInit)
    }
}
