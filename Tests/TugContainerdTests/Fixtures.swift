import Foundation
#if canImport(Glibc)
import Glibc
#endif
@testable import TugContainerd

/// A fresh directory under /tmp with a short path (unix socket paths must stay under 108 bytes),
/// removed by `remove()`.
struct TemporaryDirectory {
    let path: String

    init(_ label: String = "t") throws {
        var template = Array("/tmp/tugctrd-\(label)-XXXXXX".utf8CString)
        guard let made = template.withUnsafeMutableBufferPointer({ mkdtemp($0.baseAddress!) }) else {
            throw ContainerdError("mkdtemp failed")
        }
        path = String(cString: made)
    }

    func remove() {
        try? FileManager.default.removeItem(atPath: path)
    }
}

let isRoot = getuid() == 0
let hasContainerd = HostPrerequisites().check().isSatisfied
let hasStaticBusybox: Bool = {
    guard let data = FileManager.default.contents(atPath: PauseImage.defaultBusyboxPath) else { return false }
    return ELFLinkage.kind(of: data) == .staticExecutable
}()

/// Reads the TOML the renderers write back into `[table path: [key: raw value]]`: enough to
/// check every key line lands in the table it belongs to.
func parseSimpleTOML(_ text: String) -> [String: [String: String]] {
    var tables: [String: [String: String]] = ["": [:]]
    var current = ""
    for rawLine in text.split(separator: "\n") {
        let line = rawLine.trimmingCharacters(in: .whitespaces)
        if line.isEmpty || line.hasPrefix("#") { continue }
        if line.hasPrefix("[") && line.hasSuffix("]") {
            current = String(line.dropFirst().dropLast())
            tables[current, default: [:]] = tables[current] ?? [:]
            continue
        }
        guard let equals = line.firstIndex(of: "=") else { continue }
        let key = line[..<equals].trimmingCharacters(in: .whitespaces)
        let value = line[line.index(after: equals)...].trimmingCharacters(in: .whitespaces)
        tables[current, default: [:]][key] = value
    }
    return tables
}

/// Entries of a ustar archive: name -> (type flag, contents, link target).
struct TarEntry {
    var type: Character
    var contents: Data
    var linkName: String
    var mode: Int
}

func readTar(_ data: Data) -> [String: TarEntry] {
    var entries: [String: TarEntry] = [:]
    var offset = 0
    let bytes = [UInt8](data)
    func text(_ start: Int, _ width: Int) -> String {
        String(decoding: bytes[start..<(start + width)].prefix(while: { $0 != 0 }), as: UTF8.self)
    }
    while offset + 512 <= bytes.count {
        if bytes[offset..<(offset + 512)].allSatisfy({ $0 == 0 }) { break }
        let name = text(offset, 100)
        let prefix = text(offset + 345, 155)
        let size = Int(text(offset + 124, 12).trimmingCharacters(in: .whitespaces), radix: 8) ?? 0
        let mode = Int(text(offset + 100, 8).trimmingCharacters(in: .whitespaces), radix: 8) ?? 0
        let type = Character(UnicodeScalar(bytes[offset + 156]))
        let link = text(offset + 157, 100)
        let body = Data(bytes[(offset + 512)..<(offset + 512 + size)])
        entries[prefix.isEmpty ? name : prefix + "/" + name] = TarEntry(type: type, contents: body, linkName: link, mode: mode)
        offset += 512 + (size + 511) / 512 * 512
    }
    return entries
}

func jsonObject(_ data: Data) throws -> [String: Any] {
    guard let object = try JSONSerialization.jsonObject(with: data) as? [String: Any] else {
        throw ContainerdError("not a JSON object")
    }
    return object
}

/// Runs a command to completion (async, never blocking a thread; no descriptors leak into it)
/// and returns its status and output (stdout then stderr).
@discardableResult
func shell(_ executable: String, _ arguments: [String], environment: [String: String]? = nil,
           timeout: Duration = .seconds(120)) async throws -> (status: Int32, output: String) {
    let merged = environment.map { ProcessInfo.processInfo.environment.merging($0) { $1 } }
    let result = try await CommandRunner.run(executable, arguments, environment: merged, timeout: timeout)
    let status: Int32 = switch result.exit {
    case .exited(let code): code
    case .signaled(let signal): 128 + signal
    }
    return (status, result.standardOutput + result.standardError)
}

/// Runs `body` with a supervisor and always awaits its `stop()` afterwards, even when `body`
/// throws, so no containerd outlives its test.
func withSupervisor<T>(_ supervisor: ContainerdSupervisor, _ body: (ContainerdSupervisor) async throws -> T) async throws -> T {
    do {
        let value = try await body(supervisor)
        await supervisor.stop()
        return value
    } catch {
        await supervisor.stop()
        throw error
    }
}
