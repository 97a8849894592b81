#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// The file format the process runtime hands its shim and launcher: records of
/// `key SP length LF bytes LF`, keys repeatable for lists. It needs no parser beyond counting
/// bytes, so the shim stays free of Foundation and starts in a millisecond or two.
public struct SpecFile: Sendable, Equatable {
    public private(set) var records: [(key: String, value: [UInt8])] = []

    public init() {}

    public static func == (a: SpecFile, b: SpecFile) -> Bool {
        a.records.count == b.records.count && zip(a.records, b.records).allSatisfy { $0.key == $1.key && $0.value == $1.value }
    }

    public mutating func add(_ key: String, _ value: String) { records.append((key, Array(value.utf8))) }
    public mutating func add(_ key: String, _ value: Bool) { add(key, value ? "1" : "0") }
    public mutating func add<I: BinaryInteger>(_ key: String, _ value: I) { add(key, String(value)) }

    public var encoded: [UInt8] {
        var bytes: [UInt8] = []
        for (key, value) in records {
            bytes += Array("\(key) \(value.count)\n".utf8)
            bytes += value
            bytes.append(0x0A)
        }
        return bytes
    }

    public init(decoding bytes: [UInt8]) throws(ShimError) {
        var index = 0
        while index < bytes.count {
            guard let space = bytes[index...].firstIndex(of: 0x20),
                  let newline = bytes[space...].firstIndex(of: 0x0A),
                  let length = Int(String(decoding: bytes[(space + 1)..<newline], as: UTF8.self)), length >= 0,
                  newline + 1 + length < bytes.count, bytes[newline + 1 + length] == 0x0A else {
                throw ShimError("malformed spec record at byte \(index)")
            }
            let key = String(decoding: bytes[index..<space], as: UTF8.self)
            records.append((key, Array(bytes[(newline + 1)..<(newline + 1 + length)])))
            index = newline + 2 + length
        }
    }

    public func strings(_ key: String) -> [String] {
        records.filter { $0.key == key }.map { String(decoding: $0.value, as: UTF8.self) }
    }

    public func string(_ key: String) -> String? { strings(key).last }
    public func bool(_ key: String) -> Bool { string(key) == "1" }
    public func int(_ key: String) -> Int? { string(key).flatMap { Int($0) } }

    public func write(to path: String) throws(ShimError) { try Sys.writeAtomically(encoded, to: path) }

    public static func read(from path: String) throws(ShimError) -> SpecFile {
        guard let bytes = Sys.readFile(path) else { throw ShimError(Sys.errorMessage("cannot read \(path)")) }
        return try SpecFile(decoding: bytes)
    }
}

/// An error with the message to show.
public struct ShimError: Error, CustomStringConvertible, Sendable {
    public var description: String
    public init(_ description: String) { self.description = description }
}
