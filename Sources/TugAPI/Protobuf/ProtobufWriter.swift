import Foundation

/// Appends protobuf wire format to a byte buffer (public for the API server's other protobuf
/// documents, such as the gnostic form of `/openapi/v2`).
public struct ProtobufWriter: Sendable {
    public var bytes: [UInt8] = []

    public init() {}

    public mutating func varint(_ value: UInt64) {
        var v = value
        while v >= 0x80 {
            bytes.append(UInt8(v & 0x7f) | 0x80)
            v >>= 7
        }
        bytes.append(UInt8(v))
    }

    public mutating func tag(_ number: Int, _ wire: ProtobufWireType) {
        varint(UInt64(number) << 3 | UInt64(wire.rawValue))
    }

    public mutating func varintField(_ number: Int, _ value: UInt64) {
        tag(number, .varint)
        varint(value)
    }

    public mutating func bytesField(_ number: Int, _ content: [UInt8]) {
        tag(number, .lengthDelimited)
        varint(UInt64(content.count))
        bytes += content
    }

    public mutating func fixed32Field(_ number: Int, _ value: UInt32) {
        tag(number, .fixed32)
        for i in 0..<4 { bytes.append(UInt8(truncatingIfNeeded: value >> (8 * UInt32(i)))) }
    }

    public mutating func fixed64Field(_ number: Int, _ value: UInt64) {
        tag(number, .fixed64)
        for i in 0..<8 { bytes.append(UInt8(truncatingIfNeeded: value >> (8 * UInt64(i)))) }
    }
}
