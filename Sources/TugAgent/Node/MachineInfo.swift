import Foundation

/// What this machine has, read the way kubelet's cadvisor does: CPUs (cgroup quota of the
/// agent's own cgroup is ignored, as kubelet reports the machine), memory from
/// /proc/meminfo, ephemeral storage from the data directory's filesystem, and the system
/// identity fields of `status.nodeInfo`.
public struct MachineInfo: Sendable, Hashable {
    public var cpus: Int
    public var memoryBytes: Int64
    public var ephemeralStorageBytes: Int64
    public var machineID: String
    public var systemUUID: String
    public var bootID: String
    public var kernelVersion: String
    public var osImage: String
    public var hostname: String

    public static func read(dataDirectory: String) -> MachineInfo {
        let cpus = max(1, sysconf(Int32(_SC_NPROCESSORS_ONLN)))
        var fs = statvfs()
        let storage: Int64 = statvfs(dataDirectory, &fs) == 0 ? Int64(fs.f_blocks) * Int64(fs.f_frsize) : 0
        var uts = utsname()
        uname(&uts)
        let kernel = withUnsafeBytes(of: &uts.release) { String(decoding: $0.prefix { $0 != 0 }, as: UTF8.self) }
        let machineID = firstLine("/etc/machine-id") ?? firstLine("/var/lib/dbus/machine-id") ?? ""
        return MachineInfo(cpus: cpus, memoryBytes: Int64(ProcMemInfo.read()?.total ?? 0), ephemeralStorageBytes: storage, machineID: machineID,
                           systemUUID: firstLine("/sys/class/dmi/id/product_uuid") ?? machineID,
                           bootID: firstLine("/proc/sys/kernel/random/boot_id") ?? "", kernelVersion: kernel,
                           osImage: osRelease() ?? "Linux", hostname: ProcessInfo.processInfo.hostName.lowercased())
    }

    static func firstLine(_ path: String) -> String? {
        guard let text = try? String(contentsOfFile: path, encoding: .utf8) else { return nil }
        let line = text.split(separator: "\n").first.map { $0.trimmingCharacters(in: .whitespaces) } ?? ""
        return line.isEmpty ? nil : line
    }


    /// `PRETTY_NAME` from /etc/os-release ("Debian GNU/Linux 12 (bookworm)").
    static func osRelease() -> String? {
        guard let text = try? String(contentsOfFile: "/etc/os-release", encoding: .utf8) else { return nil }
        for line in text.split(separator: "\n") where line.hasPrefix("PRETTY_NAME=") {
            return String(line.dropFirst("PRETTY_NAME=".count)).trimmingCharacters(in: CharacterSet(charactersIn: "\""))
        }
        return nil
    }
}
