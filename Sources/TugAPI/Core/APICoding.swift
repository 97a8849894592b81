import Foundation

/// The one JSON encoder/decoder configuration used for API objects everywhere, so that bytes in
/// the store, on the wire and in tests agree: objects become a `JSONValue` tree
/// (`JSONValueEncoder`) written with sorted keys by `JSONWriter`; decoding parses with
/// `JSONReader` and reads the tree with `JSONValueDecoder`.
public enum APICoding {
    public static func encode<T: Encodable>(_ value: T) throws -> Data { Data(try encodeBytes(value)) }
    public static func encodeBytes<T: Encodable>(_ value: T) throws -> [UInt8] { try JSONTreeCoding.bytes(value) }
    public static func decode<T: Decodable>(_ type: T.Type, from data: some Collection<UInt8>) throws -> T {
        try JSONValueDecoder.decode(type, from: data)
    }
}
