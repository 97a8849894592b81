#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif
import Foundation
import Logging
import TugRuntime

/// The pod-level cgroup folders runc makes under each hierarchy for a sandbox's cgroup parent
/// (`/kubepods/burstable/pod<uid>`), removed once the sandbox is gone: containerd removes only
/// the containers' own folders.
enum PodCgroups {
    static let parentAnnotation = "tugboat.dev/cgroup-parent"

    /// Removes `parent` in every cgroup hierarchy mounted here (v1 controllers and v2); the QoS
    /// folders above it stay, as kubelet keeps them. Bounded retries while the last processes exit.
    static func remove(parent: String, logger: Logger) {
        let components = parent.split(separator: "/")
        guard let last = components.last, last.hasPrefix("pod"), !components.contains(where: { $0 == ".." || $0 == "." }) else {
            logger.warning("not removing cgroup parent \(parent): not a pod cgroup path")
            return
        }
        for mount in hierarchies() {
            let directory = mount + "/" + components.joined(separator: "/")
            removeTree(directory, attempts: 50)
        }
    }

    /// Empty child folders first (a container's folder left by a crashed shim), then the pod's.
    private static func removeTree(_ directory: String, attempts: Int) {
        guard let entries = try? FileManager.default.contentsOfDirectory(atPath: directory) else { return }
        for entry in entries {
            var st = stat()
            let child = directory + "/" + entry
            if lstat(child, &st) == 0, (st.st_mode & S_IFMT) == S_IFDIR { removeTree(child, attempts: attempts) }
        }
        for _ in 0..<attempts {
            if rmdir(directory) == 0 || errno == ENOENT { return }
            if errno != EBUSY { return }
            usleep(20_000)
        }
    }

    /// Mount points of the cgroup v1 hierarchies and the v2 hierarchy, from /proc/self/mountinfo.
    static func hierarchies() -> [String] {
        guard let text = KernelFile.contents("/proc/self/mountinfo") else { return [] }
        var mounts: [String] = []
        for line in text.split(separator: "\n") {
            let halves = line.components(separatedBy: " - ")
            guard halves.count == 2, let type = halves[1].split(separator: " ").first, type == "cgroup" || type == "cgroup2" else { continue }
            let fields = halves[0].split(separator: " ")
            if fields.count >= 5 { mounts.append(String(fields[4])) }
        }
        return mounts
    }
}
