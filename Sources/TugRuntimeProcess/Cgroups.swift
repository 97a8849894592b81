#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif
import Foundation
import TugShimKit
import TugRuntime

/// The cgroup hierarchies this machine offers for enforcing limits: cgroup v1 (a hierarchy per
/// controller) or the unified cgroup v2. Containers go in `tugboat/<pod>/<container>`.
///
/// Under v1 `tugboat/` is made inside the cgroup this process already sits in, so whatever limits
/// the agent was started under keep covering its containers. Under v2 it is made at the root,
/// because v2 forbids enabling controllers for children of a cgroup that holds processes.
struct CgroupSystem: Sendable {
    enum Version: String, Codable, Sendable { case v1, v2 }

    static let managedV1Controllers = ["memory", "cpu", "cpuacct", "pids"]
    static let unifiedKey = "unified"

    let version: Version
    /// Controller (or `unified`) -> the folder `tugboat/` lives in.
    let bases: [String: String]

    /// The usable hierarchies, or nil when not root or the machine has none.
    static func detect() -> CgroupSystem? {
        guard Posix.isRoot(), let mountinfo = Sys.readText("/proc/self/mountinfo") else { return nil }
        let membership = selfMembership()
        var v1: [String: String] = [:]
        var unifiedMount: String?
        for line in mountinfo.split(separator: "\n") {
            let halves = line.components(separatedBy: " - ")
            guard halves.count == 2 else { continue }
            let before = halves[0].split(separator: " ").map(String.init)
            let after = halves[1].split(separator: " ").map(String.init)
            guard before.count >= 5, after.count >= 3 else { continue }
            let root = before[3], mountPoint = before[4]
            if after[0] == "cgroup2" {
                if mountPoint == "/sys/fs/cgroup" { unifiedMount = mountPoint }
                continue
            }
            guard after[0] == "cgroup" else { continue }
            let options = Set(after[2].split(separator: ",").map(String.init))
            for controller in managedV1Controllers where options.contains(controller) {
                let own = membership[controller] ?? "/"
                let relative = own.hasPrefix(root) && root != "/" ? String(own.dropFirst(root.count)) : own
                v1[controller] = mountPoint + (relative == "/" ? "" : relative)
            }
        }
        if v1["memory"] != nil || v1["cpu"] != nil || v1["pids"] != nil {
            return CgroupSystem(version: .v1, bases: v1)
        }
        if let unified = unifiedMount, Sys.fileExists(unified + "/cgroup.controllers") {
            return CgroupSystem(version: .v2, bases: [unifiedKey: unified])
        }
        return nil
    }

    /// Controller -> path from /proc/self/cgroup (`4:memory:/a/b`).
    private static func selfMembership() -> [String: String] {
        var result: [String: String] = [:]
        for line in (Sys.readText("/proc/self/cgroup") ?? "").split(separator: "\n") {
            let parts = line.split(separator: ":", maxSplits: 2, omittingEmptySubsequences: false).map(String.init)
            guard parts.count == 3 else { continue }
            for controller in parts[1].split(separator: ",") { result[String(controller)] = parts[2] }
        }
        return result
    }

    /// Creates `tugboat/<relative>` in every hierarchy and applies `resources` to it.
    func create(_ relative: String, resources: LinuxResources?) throws -> CgroupPaths {
        var directories: [String: String] = [:]
        for (controller, base) in bases {
            let directory = base + "/tugboat/" + relative
            if version == .v2 { enableControllers(from: base, down: "tugboat/" + relative) }
            try Sys.makeDirectories(directory)
            directories[controller] = directory
        }
        let paths = CgroupPaths(version: version, directories: directories)
        if let resources { try paths.apply(resources) }
        return paths
    }

    /// Removes `tugboat/<relative>` and then every ancestor up to `tugboat/` that is left empty.
    func remove(_ relative: String) {
        for base in Set(bases.values) {
            var components = ("tugboat/" + relative).split(separator: "/").map(String.init)
            while !components.isEmpty {
                if rmdir(base + "/" + components.joined(separator: "/")) != 0 && errno != ENOENT { break }
                components.removeLast()
            }
        }
    }

    /// v2 only hands a controller to a child when every ancestor lists it in subtree_control.
    private func enableControllers(from base: String, down relative: String) {
        var directory = base
        for component in relative.split(separator: "/") {
            let available = (Sys.readText(directory + "/cgroup.controllers") ?? "").split(whereSeparator: \.isWhitespace)
            for controller in ["memory", "cpu", "pids"] where available.contains(Substring(controller)) {
                _ = CgroupPaths.write("+" + controller, to: directory + "/cgroup.subtree_control")
            }
            directory += "/" + component
            try? Sys.makeDirectories(directory)
        }
    }
}

/// One container's (or pod's) cgroup folders, kept in its state so a restarted agent finds them.
struct CgroupPaths: Codable, Sendable, Hashable {
    var version: CgroupSystem.Version
    /// Controller (or `unified`) -> absolute folder.
    var directories: [String: String]

    /// The `cgroup.procs` files a process writes its pid to, to join.
    var procsFiles: [String] { Set(directories.values).sorted().map { $0 + "/cgroup.procs" } }

    private func directory(_ controller: String) -> String? {
        version == .v2 ? directories[CgroupSystem.unifiedKey] : directories[controller]
    }

    func apply(_ resources: LinuxResources) throws {
        switch version {
        case .v1:
            if resources.memoryLimitInBytes > 0, let dir = directory("memory") {
                try Self.require("\(resources.memoryLimitInBytes)", to: dir + "/memory.limit_in_bytes")
                // Memory + swap at the same value: over the limit means OOM, not swapping.
                _ = Self.write("\(resources.memoryLimitInBytes)", to: dir + "/memory.memsw.limit_in_bytes")
            }
            if let dir = directory("cpu") {
                if resources.cpuPeriod > 0 { try Self.require("\(resources.cpuPeriod)", to: dir + "/cpu.cfs_period_us") }
                if resources.cpuQuota > 0 { try Self.require("\(resources.cpuQuota)", to: dir + "/cpu.cfs_quota_us") }
                if resources.cpuShares > 0 { try Self.require("\(resources.cpuShares)", to: dir + "/cpu.shares") }
            }
            if resources.pidsLimit > 0, let dir = directory("pids") {
                try Self.require("\(resources.pidsLimit)", to: dir + "/pids.max")
            }
        case .v2:
            guard let dir = directory("") else { return }
            if resources.memoryLimitInBytes > 0 {
                try Self.require("\(resources.memoryLimitInBytes)", to: dir + "/memory.max")
                _ = Self.write("0", to: dir + "/memory.swap.max")
            }
            if resources.cpuQuota > 0 || resources.cpuPeriod > 0 {
                let period = resources.cpuPeriod > 0 ? resources.cpuPeriod : 100_000
                let quota = resources.cpuQuota > 0 ? "\(resources.cpuQuota)" : "max"
                try Self.require("\(quota) \(period)", to: dir + "/cpu.max")
            }
            if resources.cpuShares > 0 {
                // The conversion runc and kubelet use from v1 shares (2..262144) to weight (1..10000).
                let shares = min(max(resources.cpuShares, 2), 262_144)
                try Self.require("\(1 + ((shares - 2) * 9999) / 262_142)", to: dir + "/cpu.weight")
            }
            if resources.pidsLimit > 0 { try Self.require("\(resources.pidsLimit)", to: dir + "/pids.max") }
        }
    }

    /// Pids of every process in the cgroup.
    func processes() -> [Int32] {
        var pids = Set<Int32>()
        for file in procsFiles {
            for line in (Sys.readText(file) ?? "").split(separator: "\n") { if let pid = Int32(line) { pids.insert(pid) } }
        }
        return pids.sorted()
    }

    /// SIGKILLs everything in the cgroup until it is empty (bounded).
    func killAll() {
        for _ in 0..<100 {
            let pids = processes()
            if pids.isEmpty { return }
            for pid in pids { kill(pid, SIGKILL) }
            usleep(10_000)
        }
    }

    /// Removes the folders; a cgroup still holding processes is emptied first.
    func remove() {
        killAll()
        for dir in Set(directories.values) {
            for _ in 0..<50 {
                if rmdir(dir) == 0 || errno == ENOENT { break }
                usleep(20_000)
            }
        }
    }

    /// The file whose `oom_kill` line counts the kernel's OOM kills in this cgroup.
    var oomEventsFile: String? {
        version == .v1 ? directory("memory").map { $0 + "/memory.oom_control" } : directory("").map { $0 + "/memory.events" }
    }

    /// CPU and memory as kubelet's summary reads them; nil when the files are missing.
    func stats() -> (cpuNanoseconds: UInt64, workingSetBytes: UInt64, rssBytes: UInt64)? {
        switch version {
        case .v1:
            guard let cpuDir = directory("cpuacct"), let memDir = directory("memory"),
                  let cpuText = Sys.readText(cpuDir + "/cpuacct.usage"), let cpu = UInt64(cpuText.trimmingCharacters(in: .whitespacesAndNewlines)),
                  let usageText = Sys.readText(memDir + "/memory.usage_in_bytes"),
                  let usage = UInt64(usageText.trimmingCharacters(in: .whitespacesAndNewlines)) else { return nil }
            let memStat = Sys.readText(memDir + "/memory.stat") ?? ""
            let inactive = Self.value(named: "total_inactive_file", in: memStat) ?? 0
            let rss = Self.value(named: "total_rss", in: memStat) ?? 0
            return (cpu, usage > inactive ? usage - inactive : 0, rss)
        case .v2:
            guard let dir = directory(""), let cpuStat = Sys.readText(dir + "/cpu.stat"),
                  let usec = Self.value(named: "usage_usec", in: cpuStat),
                  let currentText = Sys.readText(dir + "/memory.current"),
                  let current = UInt64(currentText.trimmingCharacters(in: .whitespacesAndNewlines)) else { return nil }
            let memStat = Sys.readText(dir + "/memory.stat") ?? ""
            let inactive = Self.value(named: "inactive_file", in: memStat) ?? 0
            let anon = Self.value(named: "anon", in: memStat) ?? 0
            return (usec * 1000, current > inactive ? current - inactive : 0, anon)
        }
    }

    /// `name value` lines (memory.stat, cpu.stat, memory.events, memory.oom_control).
    static func value(named name: String, in text: String) -> UInt64? {
        for line in text.split(separator: "\n") {
            let parts = line.split(separator: " ")
            if parts.count == 2, parts[0] == name { return UInt64(parts[1]) }
        }
        return nil
    }

    /// Writes `value`; 0 on success, else the errno.
    @discardableResult
    static func write(_ value: String, to file: String) -> Int32 {
        let fd = open(file, O_WRONLY | O_CLOEXEC)
        guard fd >= 0 else { return errno }
        let ok = Sys.writeAll(fd, Array(value.utf8))
        let code = ok ? 0 : errno
        close(fd)
        return code
    }

    static func require(_ value: String, to file: String) throws {
        let code = write(value, to: file)
        guard code == 0 else { throw RuntimeProcessError(Sys.errorMessage("cannot write \(value) to \(file)", code)) }
    }
}
