import Foundation
import Logging
import TugRuntime

/// Rotates container log files as kubelet does (`containerLogMaxSize` 10Mi,
/// `containerLogMaxFiles` 5): a log over the size is copied to `<file>.<timestamp>` and
/// truncated in place — the runtime's writer appends, so it carries on at the start — and only
/// the newest rotated files are kept. `kubectl logs` reads the current file.
struct ContainerLogRotation: Sendable {
    var maxBytes: Int64 = 10 * 1024 * 1024
    /// Files kept per container, the current one included.
    var maxFiles = 5

    /// Rotates `path` if it is over the size; true when it did.
    @discardableResult
    func rotate(_ path: String, now: Date = Date()) throws -> Bool {
        let fm = FileManager.default
        guard let size = (try? fm.attributesOfItem(atPath: path))?[.size] as? NSNumber, size.int64Value > maxBytes else { return false }
        var target = path + "." + Self.stamp(now)
        var n = 1
        while fm.fileExists(atPath: target) {
            target = path + "." + Self.stamp(now) + "-\(n)"
            n += 1
        }
        try fm.copyItem(atPath: path, toPath: target)
        guard truncate(path, 0) == 0 else { throw CocoaError(.fileWriteUnknown, userInfo: [NSFilePathErrorKey: path]) }
        try prune(path)
        return true
    }

    /// Deletes the oldest rotated files beyond `maxFiles - 1`.
    func prune(_ path: String) throws {
        let dir = (path as NSString).deletingLastPathComponent, base = (path as NSString).lastPathComponent
        let rotated = try FileManager.default.contentsOfDirectory(atPath: dir).filter { $0.hasPrefix(base + ".") }.sorted()
        for old in rotated.dropLast(max(0, maxFiles - 1)) { try? FileManager.default.removeItem(atPath: dir + "/" + old) }
    }

    /// kubelet's rotated-file suffix, `20060102-150405`, in UTC.
    static func stamp(_ date: Date) -> String {
        var t = time_t(date.timeIntervalSince1970)
        var parts = tm()
        gmtime_r(&t, &parts)
        func pad(_ v: Int32, _ w: Int) -> String { let s = String(v); return String(repeating: "0", count: max(0, w - s.count)) + s }
        return pad(parts.tm_year + 1900, 4) + pad(parts.tm_mon + 1, 2) + pad(parts.tm_mday, 2) + "-" + pad(parts.tm_hour, 2)
            + pad(parts.tm_min, 2) + pad(parts.tm_sec, 2)
    }

    /// Checks every running container's log every `interval`.
    func run(runtime: any ContainerRuntime, interval: Duration, logger: Logger) async {
        while !Task.isCancelled {
            try? await Task.sleep(for: interval)
            for c in (try? await runtime.listContainers(sandbox: nil)) ?? [] where c.state == .running && !c.logPath.isEmpty {
                do {
                    if try rotate(c.logPath) { logger.info("rotated the log of container \(c.name) (\(c.logPath))") }
                } catch {
                    logger.warning("rotating \(c.logPath): \(error)")
                }
            }
        }
    }
}
