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
    /// counted from the last ')'. Read into a stack buffer and parsed as bytes: the relist asks
    /// this of every container every second.
    static func stat(_ pid: Int32) -> Stat? {
        guard pid > 0 else { return nil }
        let fd = open("/proc/\(pid)/stat", O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { return nil }
        defer { close(fd) }
        return withUnsafeTemporaryAllocation(of: UInt8.self, capacity: 4096) { buffer -> Stat? in
            guard let base = buffer.baseAddress else { return nil }
            let count = read(fd, base, buffer.count)
            guard count > 0 else { return nil }
            return parseStat(UnsafeBufferPointer(rebasing: buffer[..<count]))
        }
    }

    /// The fields of one /proc/<pid>/stat line.
    static func parseStat(_ line: UnsafeBufferPointer<UInt8>) -> Stat? {
        guard let close = line.lastIndex(of: UInt8(ascii: ")")) else { return nil }
        // fields[0] is field 3 (state) of proc(5); we need 0, 2, 11, 12, 19 and 21.
        var state: UInt8 = 0
        var group: UInt64 = 0, user: UInt64 = 0, system: UInt64 = 0, start: UInt64 = 0, rss: UInt64 = 0
        var field = -1, i = close + 1
        while i < line.count && field < 21 {
            while i < line.count && line[i] == UInt8(ascii: " ") { i += 1 }
            guard i < line.count else { break }
            field += 1
            if field == 0 {
                state = line[i]
                while i < line.count && line[i] != UInt8(ascii: " ") { i += 1 }
                continue
            }
            var value: UInt64 = 0
            var negative = false
            if line[i] == UInt8(ascii: "-") { negative = true; i += 1 }
            while i < line.count, line[i] >= UInt8(ascii: "0"), line[i] <= UInt8(ascii: "9") {
                value = value &* 10 &+ UInt64(line[i] - UInt8(ascii: "0"))
                i += 1
            }
            while i < line.count && line[i] != UInt8(ascii: " ") && line[i] != UInt8(ascii: "\n") { i += 1 }
            if negative { value = 0 }
            switch field {
            case 2: group = value
            case 11: user = value
            case 12: system = value
            case 19: start = value
            case 21: rss = value
            default: break
            }
        }
        guard field >= 21, state != 0, let processGroup = Int32(exactly: group) else { return nil }
        return Stat(state: Character(UnicodeScalar(state)), processGroup: processGroup, userTicks: user, systemTicks: system,
                    startTicks: start, residentPages: rss)
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
