#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif
import Foundation
import TugShimKit

/// What the runtime reads from /proc: a process' identity (pid + start time, so a reused pid is
/// not mistaken for the container) and per-process CPU and memory when there is no cgroup.
enum ProcFS {
    struct Stat {
        var state: Character
        var processGroup: Int32
        var userTicks: UInt64
        var systemTicks: UInt64
        var startTicks: UInt64
        var residentPages: UInt64
    }

    /// Parses /proc/<pid>/stat; the command name in parentheses may hold spaces, so fields are
    /// counted from the last ')'.
    static func stat(_ pid: Int32) -> Stat? {
        guard let text = Sys.readText("/proc/\(pid)/stat"), let close = text.lastIndex(of: ")") else { return nil }
        let fields = text[text.index(after: close)...].split(separator: " ", omittingEmptySubsequences: true)
        // fields[0] is field 3 (state) of proc(5).
        guard fields.count > 21, let state = fields[0].first, let group = Int32(fields[2]), let user = UInt64(fields[11]),
              let system = UInt64(fields[12]), let start = UInt64(fields[19]), let rss = UInt64(fields[21]) else { return nil }
        return Stat(state: state, processGroup: group, userTicks: user, systemTicks: system, startTicks: start, residentPages: rss)
    }

    static func startTicks(_ pid: Int32) -> UInt64? { stat(pid)?.startTicks }

    /// The process `pid` exists, is the one that started at `startTicks`, and is not a zombie.
    static func isAlive(pid: Int32, startTicks: UInt64) -> Bool {
        guard pid > 0, let s = stat(pid) else { return false }
        return s.startTicks == startTicks && s.state != "Z" && s.state != "X"
    }

    static func allPIDs() -> [Int32] {
        ((try? FileManager.default.contentsOfDirectory(atPath: "/proc")) ?? []).compactMap { Int32($0) }
    }

    static func members(ofProcessGroup group: Int32) -> [Int32] {
        allPIDs().filter { stat($0)?.processGroup == group }
    }

    static let ticksPerSecond = UInt64(max(1, sysconf(Int32(_SC_CLK_TCK))))
    static let pageSize = UInt64(max(1, sysconf(Int32(_SC_PAGESIZE))))

    /// CPU time (ns) and resident memory (bytes) summed over `pids`.
    static func usage(of pids: [Int32]) -> (cpuNanoseconds: UInt64, residentBytes: UInt64) {
        var cpu: UInt64 = 0
        var rss: UInt64 = 0
        for pid in pids {
            guard let s = stat(pid) else { continue }
            cpu += (s.userTicks + s.systemTicks) * (1_000_000_000 / ticksPerSecond)
            rss += s.residentPages * pageSize
        }
        return (cpu, rss)
    }
}
