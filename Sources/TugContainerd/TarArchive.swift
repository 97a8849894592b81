import Foundation

/// A ustar archive built in memory: directories, regular files and symlinks with fixed owner
/// and time, so the same inputs always give the same bytes (and the same image digests).
struct TarArchive: Sendable {
    private(set) var data = Data()
    private var finished = false

    /// Fixed modification time of every entry (2024-01-01T00:00:00Z).
    static let modificationTime = 1_704_067_200

    mutating func addDirectory(_ path: String, mode: Int = 0o755) throws {
        try appendHeader(name: path.hasSuffix("/") ? path : path + "/", mode: mode, size: 0, type: "5", linkName: "")
    }

    mutating func addFile(_ path: String, contents: Data, mode: Int = 0o644) throws {
        try appendHeader(name: path, mode: mode, size: contents.count, type: "0", linkName: "")
        data.append(contents)
        padToBlock()
    }

    mutating func addSymlink(_ path: String, target: String) throws {
        try appendHeader(name: path, mode: 0o777, size: 0, type: "2", linkName: target)
    }

    /// The archive with its two zero end blocks.
    mutating func finish() -> Data {
        if !finished {
            data.append(Data(count: 1024))
            finished = true
        }
        return data
    }

    private mutating func padToBlock() {
        let remainder = data.count % 512
        if remainder != 0 { data.append(Data(count: 512 - remainder)) }
    }

    private mutating func appendHeader(name: String, mode: Int, size: Int, type: Character, linkName: String) throws {
        precondition(!finished, "entries cannot follow finish()")
        var header = [UInt8](repeating: 0, count: 512)
        let (prefix, shortName) = try Self.split(name)
        guard linkName.utf8.count <= 100 else { throw ContainerdError("tar: link target '\(linkName)' is longer than 100 bytes") }
        Self.put(shortName, into: &header, at: 0, width: 100)
        Self.putOctal(mode, into: &header, at: 100, width: 8)
        Self.putOctal(0, into: &header, at: 108, width: 8)     // uid
        Self.putOctal(0, into: &header, at: 116, width: 8)     // gid
        Self.putOctal(size, into: &header, at: 124, width: 12)
        Self.putOctal(Self.modificationTime, into: &header, at: 136, width: 12)
        for i in 148..<156 { header[i] = 0x20 }                // checksum counts as spaces
        header[156] = type.asciiValue!
        Self.put(linkName, into: &header, at: 157, width: 100)
        Self.put("ustar", into: &header, at: 257, width: 6)    // "ustar\0"
        Self.put("00", into: &header, at: 263, width: 2)
        Self.put("root", into: &header, at: 265, width: 32)
        Self.put("root", into: &header, at: 297, width: 32)
        Self.put(prefix, into: &header, at: 345, width: 155)
        let checksum = header.reduce(0) { $0 + Int($1) }
        let digits = Array(String(checksum, radix: 8).utf8)
        let padded = [UInt8](repeating: UInt8(ascii: "0"), count: max(0, 6 - digits.count)) + digits
        for (i, byte) in padded.prefix(6).enumerated() { header[148 + i] = byte }
        header[154] = 0
        header[155] = 0x20
        data.append(contentsOf: header)
    }

    /// ustar keeps names up to 100 bytes, or 255 split at a slash into prefix and name.
    private static func split(_ name: String) throws -> (prefix: String, name: String) {
        if name.utf8.count <= 100 { return ("", name) }
        let bytes = Array(name.utf8)
        for index in stride(from: min(bytes.count - 1, 155), through: 1, by: -1) where bytes[index] == UInt8(ascii: "/") {
            let rest = bytes.count - index - 1
            if rest > 0, rest <= 100 {
                return (String(decoding: bytes[..<index], as: UTF8.self), String(decoding: bytes[(index + 1)...], as: UTF8.self))
            }
        }
        throw ContainerdError("tar: path '\(name)' is too long for a ustar archive")
    }

    private static func put(_ text: String, into header: inout [UInt8], at offset: Int, width: Int) {
        for (i, byte) in text.utf8.prefix(width).enumerated() { header[offset + i] = byte }
    }

    /// Zero-padded octal filling all but the last byte, which stays NUL.
    private static func putOctal(_ value: Int, into header: inout [UInt8], at offset: Int, width: Int) {
        let digits = String(value, radix: 8)
        let text = String(repeating: "0", count: max(0, width - 1 - digits.count)) + digits
        put(text, into: &header, at: offset, width: width - 1)
    }
}
