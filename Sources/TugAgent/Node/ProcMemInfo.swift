/// /proc/meminfo's MemTotal and MemAvailable in bytes: node capacity, node-pressure
/// eviction and the node's memory usage all read it.
enum ProcMemInfo {
    static func read(path: String = "/proc/meminfo") -> (total: UInt64, available: UInt64)? {
        guard let text = try? String(contentsOfFile: path, encoding: .utf8) else { return nil }
        var total: UInt64?, available: UInt64?
        for line in text.split(separator: "\n") {
            let parts = line.split(separator: " ", omittingEmptySubsequences: true)
            guard parts.count >= 2, let kb = UInt64(parts[1]) else { continue }
            if parts[0] == "MemTotal:" { total = kb * 1024 }
            if parts[0] == "MemAvailable:" { available = kb * 1024 }
        }
        guard let t = total, let a = available else { return nil }
        return (t, a)
    }
}
