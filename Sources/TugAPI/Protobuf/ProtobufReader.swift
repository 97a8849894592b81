import Foundation

/// Protobuf wire types (groups, 3 and 4, are not used by Kubernetes and are rejected).
public enum ProtobufWireType: UInt8, Sendable {
    case varint = 0
    case fixed64 = 1
    case lengthDelimited = 2
    case fixed32 = 5

    var name: String {
        switch self {
        case .varint: return "varint"
        case .fixed64: return "fixed64"
        case .lengthDelimited: return "length-delimited"
        case .fixed32: return "fixed32"
        }
    }
}

/// Reads protobuf wire format from a byte range. Every read checks bounds and throws
/// `APIError.badRequest` on malformed input, so hostile bodies can neither crash nor loop.
struct ProtobufReader {
    let bytes: [UInt8]
    private(set) var position: Int
    let end: Int

    init(_ bytes: [UInt8], range: Range<Int>? = nil) {
        self.bytes = bytes
        self.position = range?.lowerBound ?? 0
        self.end = range?.upperBound ?? bytes.count
    }

    var isAtEnd: Bool { position >= end }

    static func malformed(_ what: String) -> APIError {
        APIError.badRequest("invalid protobuf body: \(what)")
    }

    mutating func readVarint() throws -> UInt64 {
        var result: UInt64 = 0
        var shift: UInt64 = 0
        while true {
            guard position < end else { throw Self.malformed("truncated varint") }
            let byte = bytes[position]
            position += 1
            if shift == 63 && byte > 1 { throw Self.malformed("varint overflows 64 bits") }
            result |= UInt64(byte & 0x7f) << shift
            if byte & 0x80 == 0 { return result }
            shift += 7
            if shift > 63 { throw Self.malformed("varint longer than 10 bytes") }
        }
    }

    mutating func readTag() throws -> (number: Int, wireType: ProtobufWireType) {
        let tag = try readVarint()
        let number = tag >> 3
        guard number >= 1, number <= 536_870_911 else { throw Self.malformed("field number \(number) out of range") }
        guard let wire = ProtobufWireType(rawValue: UInt8(tag & 7)) else {
            throw Self.malformed("unsupported wire type \(tag & 7) for field \(number)")
        }
        return (Int(number), wire)
    }

    /// The range of a length-delimited value; the reader moves past it.
    mutating func readLengthDelimited() throws -> Range<Int> {
        let length = try readVarint()
        guard length <= UInt64(end - position) else {
            throw Self.malformed("length \(length) runs past the end of the data (\(end - position) bytes left)")
        }
        let start = position
        position += Int(length)
        return start..<position
    }

    mutating func readFixed32() throws -> UInt32 {
        guard end - position >= 4 else { throw Self.malformed("truncated fixed32") }
        var v: UInt32 = 0
        for i in 0..<4 { v |= UInt32(bytes[position + i]) << (8 * UInt32(i)) }
        position += 4
        return v
    }

    mutating func readFixed64() throws -> UInt64 {
        guard end - position >= 8 else { throw Self.malformed("truncated fixed64") }
        var v: UInt64 = 0
        for i in 0..<8 { v |= UInt64(bytes[position + i]) << (8 * UInt64(i)) }
        position += 8
        return v
    }

    mutating func skip(_ wire: ProtobufWireType) throws {
        switch wire {
        case .varint: _ = try readVarint()
        case .fixed64: _ = try readFixed64()
        case .lengthDelimited: _ = try readLengthDelimited()
        case .fixed32: _ = try readFixed32()
        }
    }

    func slice(_ range: Range<Int>) -> ArraySlice<UInt8> { bytes[range] }

    func string(_ range: Range<Int>) -> String { String(decoding: bytes[range], as: UTF8.self) }
}
