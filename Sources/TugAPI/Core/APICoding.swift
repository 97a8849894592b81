import Foundation

/// The one JSON encoder/decoder configuration used for API objects everywhere, so that bytes in
/// the store, on the wire and in tests agree. Decoding parses with `JSONReader` and reads the
/// tree with `JSONValueDecoder`.
public enum APICoding {
    public static var encoder: JSONEncoder {
        let e = JSONEncoder()
        e.outputFormatting = [.withoutEscapingSlashes]
        return e
    }

    public static func encode<T: Encodable>(_ value: T) throws -> Data { try encoder.encode(value) }
    public static func decode<T: Decodable>(_ type: T.Type, from data: some Collection<UInt8>) throws -> T {
        try JSONValueDecoder.decode(type, from: data)
    }
}
