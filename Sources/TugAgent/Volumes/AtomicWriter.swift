import Foundation
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// One file of a projected volume: its bytes and permission bits.
public struct FileProjection: Sendable, Hashable {
    public var data: [UInt8]
    public var mode: UInt32

    public init(data: [UInt8], mode: UInt32) {
        self.data = data
        self.mode = mode
    }

    public init(_ text: String, mode: UInt32) {
        self.init(data: Array(text.utf8), mode: mode)
    }
}

/// Writes a set of files into a directory so that readers never see a half-updated set, as the
/// kubelet's AtomicWriter does for configMap, secret, downwardAPI and projected volumes. The
/// real files live in a hidden timestamped directory (`..2024_05_01_12_00_00.123456`); `..data`
/// is a symlink to it, and each user-visible top-level entry is a symlink through `..data`. An
/// update writes a new timestamped directory and swaps `..data` with one rename. Names starting
/// with `..` are reserved.
public struct AtomicWriter: Sendable {
    static let dataDirName = "..data"
    static let newDataDirName = "..data_tmp"
    static let maxFileNameLength = 255
    static let maxPathLength = 4096

    public let targetDirectory: String

    /// `targetDirectory` must exist.
    public init(targetDirectory: String) {
        self.targetDirectory = targetDirectory
    }

    /// Projects `payload` (relative path -> file) into the target directory. Answers false and
    /// touches nothing when the files on disk already are the payload.
    @discardableResult
    public func write(_ payload: [String: FileProjection]) throws -> Bool {
        let clean = try Self.validate(payload)
        let dataDirPath = path(Self.dataDirName)
        let oldTsDir = HostFileSystem.readLink(dataDirPath) ?? ""
        let oldTsPath = path(oldTsDir)

        var toRemove: Set<String> = []
        if !oldTsDir.isEmpty {
            toRemove = try pathsToRemove(clean, oldTsPath: oldTsPath)
            if !(try shouldWrite(clean, oldTsPath: oldTsPath)) && toRemove.isEmpty { return false }
        }

        let tsDir = try newTimestampDirectory()
        let tsName = (tsDir as NSString).lastPathComponent
        do {
            try writePayload(clean, into: tsDir)
        } catch {
            try? HostFileSystem.removeAll(tsDir)
            throw error
        }
        try createUserVisibleLinks(clean)

        let newDataDirPath = path(Self.newDataDirName)
        try? HostFileSystem.removeAll(newDataDirPath)
        do {
            try HostFileSystem.symlink(target: tsName, at: newDataDirPath)
            try HostFileSystem.rename(newDataDirPath, to: dataDirPath)
        } catch {
            try? HostFileSystem.removeAll(newDataDirPath)
            try? HostFileSystem.removeAll(tsDir)
            throw error
        }

        // Only top-level entries are links of their own; deeper ones went with the old directory.
        for p in toRemove where !p.contains("/") {
            try HostFileSystem.removeAll(path(p))
        }
        if !oldTsDir.isEmpty { try HostFileSystem.removeAll(oldTsPath) }
        return true
    }

    private func path(_ relative: String) -> String {
        relative.isEmpty ? targetDirectory : (targetDirectory as NSString).appendingPathComponent(relative)
    }

    /// Checks every path (kubelet's `validatePath`) and returns the payload with cleaned paths.
    static func validate(_ payload: [String: FileProjection]) throws -> [String: FileProjection] {
        var clean: [String: FileProjection] = [:]
        for (p, file) in payload {
            try validatePath(p)
            clean[cleanPath(p)] = file
        }
        return clean
    }

    static func validatePath(_ p: String) throws {
        if p.isEmpty { throw VolumePathError("invalid path: must not be empty: \"\(p)\"") }
        if p.hasPrefix("/") { throw VolumePathError("invalid path: must be relative path: \(p)") }
        if p.utf8.count > maxPathLength { throw VolumePathError("invalid path: must be less than or equal to \(maxPathLength) characters") }
        let items = p.split(separator: "/", omittingEmptySubsequences: false)
        for item in items {
            if item == ".." { throw VolumePathError("invalid path: must not contain '..': \(p)") }
            if item.utf8.count > maxFileNameLength {
                throw VolumePathError("invalid path: filenames must be less than or equal to \(maxFileNameLength) characters")
            }
        }
        if let first = items.first, first.hasPrefix(".."), first.count > 2 { throw VolumePathError("invalid path: must not start with '..': \(p)") }
    }

    /// `filepath.Clean` for a relative path without `..`: drops empty and `.` elements.
    static func cleanPath(_ p: String) -> String {
        let parts = p.split(separator: "/").filter { $0 != "." }
        return parts.isEmpty ? "." : parts.joined(separator: "/")
    }

    /// Whether any file's content or mode differs from the current timestamped directory.
    private func shouldWrite(_ payload: [String: FileProjection], oldTsPath: String) throws -> Bool {
        for (p, file) in payload {
            let full = (oldTsPath as NSString).appendingPathComponent(p)
            guard HostFileSystem.fileType(full) == .regular else { return true }
            if try HostFileSystem.readFile(full) != file.data { return true }
            if try HostFileSystem.mode(full) != file.mode & 0o7777 { return true }
        }
        return false
    }

    /// Paths in the current version that the payload no longer has (with its parent directories
    /// counted as present).
    private func pathsToRemove(_ payload: [String: FileProjection], oldTsPath: String) throws -> Set<String> {
        guard HostFileSystem.fileType(oldTsPath) == .directory else { return [] }
        let existing = Set(try FileManager.default.subpathsOfDirectory(atPath: oldTsPath))
        var wanted: Set<String> = []
        for p in payload.keys {
            var parts = p.split(separator: "/")
            while !parts.isEmpty {
                wanted.insert(parts.joined(separator: "/"))
                parts.removeLast()
            }
        }
        return existing.subtracting(wanted)
    }

    /// A new `..YYYY_MM_DD_HH_MM_SS.<random>` directory, mode 0755.
    private func newTimestampDirectory() throws -> String {
        var t = time(nil)
        var parts = tm()
        gmtime_r(&t, &parts)
        let stamp = String(format: "..%04d_%02d_%02d_%02d_%02d_%02d.", Int(parts.tm_year) + 1900, Int(parts.tm_mon) + 1,
                           Int(parts.tm_mday), Int(parts.tm_hour), Int(parts.tm_min), Int(parts.tm_sec))
        for _ in 0..<100 {
            let candidate = path(stamp + String(UInt32.random(in: 0...UInt32.max)))
            if mkdir(candidate, 0o755) == 0 {
                try HostFileSystem.chmod(candidate, 0o755)
                return candidate
            }
            if errno != EEXIST { throw FileSystemError("mkdir", candidate) }
        }
        throw FileSystemError("mkdir", path(stamp + "*"), errno: EEXIST)
    }

    private func writePayload(_ payload: [String: FileProjection], into dir: String) throws {
        for p in payload.keys.sorted() {
            let file = payload[p]!
            let full = (dir as NSString).appendingPathComponent(p)
            try HostFileSystem.makeDirectories((full as NSString).deletingLastPathComponent, mode: 0o755)
            try HostFileSystem.writeFile(full, file.data, mode: file.mode & 0o7777)
        }
    }

    /// `<target>/<first element>` -> `..data/<first element>` for each new top-level entry.
    private func createUserVisibleLinks(_ payload: [String: FileProjection]) throws {
        let tops = Set(payload.keys.map { String($0.split(separator: "/").first ?? "") })
        for top in tops.sorted() where !top.isEmpty {
            let visible = path(top)
            if !HostFileSystem.exists(visible) {
                try HostFileSystem.symlink(target: Self.dataDirName + "/" + top, at: visible)
            }
        }
    }
}

/// A payload path the AtomicWriter refuses (absolute, with `..`, too long).
public struct VolumePathError: Error, Sendable, Hashable, CustomStringConvertible {
    public var message: String
    public init(_ message: String) { self.message = message }
    public var description: String { message }
}
