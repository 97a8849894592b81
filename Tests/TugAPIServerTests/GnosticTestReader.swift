import Foundation
import Testing
@testable import TugAPI

/// A protobuf message read generically (field number → values), enough to walk gnostic's
/// `openapi.v2.Document` in tests without the server's encoder: length-delimited values are
/// kept as bytes and read as strings or nested messages by the caller.
struct GnosticTestMessage {
    enum Value {
        case varint(UInt64)
        case fixed64(UInt64)
        case fixed32(UInt32)
        case bytes([UInt8])
    }

    private(set) var fields: [Int: [Value]] = [:]

    init(_ bytes: [UInt8]) throws {
        var reader = ProtobufReader(bytes)
        while !reader.isAtEnd {
            let (number, wire) = try reader.readTag()
            let value: Value
            switch wire {
            case .varint: value = .varint(try reader.readVarint())
            case .fixed64: value = .fixed64(try reader.readFixed64())
            case .fixed32: value = .fixed32(try reader.readFixed32())
            case .lengthDelimited: value = .bytes(Array(reader.slice(try reader.readLengthDelimited())))
            }
            fields[number, default: []].append(value)
        }
    }

    func has(_ number: Int) -> Bool { fields[number] != nil }

    /// Every length-delimited value of a field as a string.
    func strings(_ number: Int) -> [String] {
        (fields[number] ?? []).compactMap { if case .bytes(let b) = $0 { return String(decoding: b, as: UTF8.self) } else { return nil } }
    }

    /// The last value of a string field ("" when absent, as proto3 reads it).
    func string(_ number: Int) -> String { strings(number).last ?? "" }

    func varint(_ number: Int) -> UInt64? {
        if case .varint(let v)? = fields[number]?.last { return v }
        return nil
    }

    func messages(_ number: Int) throws -> [GnosticTestMessage] {
        try (fields[number] ?? []).compactMap { if case .bytes(let b) = $0 { return try GnosticTestMessage(b) } else { return nil } }
    }

    func message(_ number: Int) throws -> GnosticTestMessage? { try messages(number).last }

    /// The value (field 2) of the `Named…` pair (name = field 1) called `name` among field `number`.
    func named(_ number: Int, _ name: String) throws -> GnosticTestMessage? {
        try messages(number).first { $0.string(1) == name }?.message(2)
    }

    /// The names of the `Named…` pairs in field `number`.
    func names(_ number: Int) throws -> [String] { try messages(number).map { $0.string(1) } }
}
