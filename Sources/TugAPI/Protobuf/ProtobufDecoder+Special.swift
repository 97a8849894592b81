import Foundation

extension ProtobufDecoder {
    /// Decodes a message with a special JSON form. Nil means "absent" (a zero Time, an empty raw).
    mutating func decodeSpecial(_ reader: inout ProtobufReader, _ special: SpecialType, depth: Int) throws -> JSONValue? {
        switch special {
        case .time, .microTime:
            var seconds: Int64 = 0
            var nanos: Int64 = 0
            var any = false
            while !reader.isAtEnd {
                let (n, w) = try reader.readTag()
                switch (n, w) {
                case (1, .varint): seconds = Int64(bitPattern: try reader.readVarint()); any = true
                case (2, .varint): nanos = Int64(Int32(truncatingIfNeeded: try reader.readVarint())); any = true
                default: try reader.skip(w)
                }
            }
            guard any else { return nil }  // Go writes the zero time as an empty message
            guard nanos >= 0, nanos < 1_000_000_000 else {
                throw ProtobufReader.malformed("time nanos \(nanos) out of range")
            }
            return .string(Self.rfc3339(seconds: seconds, nanos: nanos, micro: special == .microTime))
        case .duration:
            var ns: Int64 = 0
            while !reader.isAtEnd {
                let (n, w) = try reader.readTag()
                if n == 1, w == .varint { ns = Int64(bitPattern: try reader.readVarint()) } else { try reader.skip(w) }
            }
            return .string(GoDuration.format(nanoseconds: ns))
        case .quantity:
            var text = ""
            while !reader.isAtEnd {
                let (n, w) = try reader.readTag()
                if n == 1, w == .lengthDelimited { text = reader.string(try reader.readLengthDelimited()) } else { try reader.skip(w) }
            }
            return .string(text.isEmpty ? "0" : text)
        case .intOrString:
            var kind: UInt64 = 0
            var intVal: Int64 = 0
            var strVal = ""
            while !reader.isAtEnd {
                let (n, w) = try reader.readTag()
                switch (n, w) {
                case (1, .varint): kind = try reader.readVarint()
                case (2, .varint): intVal = Int64(Int32(truncatingIfNeeded: try reader.readVarint()))
                case (3, .lengthDelimited): strVal = reader.string(try reader.readLengthDelimited())
                default: try reader.skip(w)
                }
            }
            return kind == 1 ? .string(strVal) : .int(intVal)
        case .verbs:
            var items: [JSONValue] = []
            while !reader.isAtEnd {
                let (n, w) = try reader.readTag()
                if n == 1, w == .lengthDelimited { items.append(.string(reader.string(try reader.readLengthDelimited()))) } else { try reader.skip(w) }
            }
            return .array(items)
        case .rawExtension, .fieldsV1:
            var raw: Range<Int>?
            while !reader.isAtEnd {
                let (n, w) = try reader.readTag()
                if n == 1, w == .lengthDelimited { raw = try reader.readLengthDelimited() } else { try reader.skip(w) }
            }
            guard let raw, !raw.isEmpty else { return nil }
            return try embedded(Array(reader.slice(raw)), depth: depth)
        }
    }

    /// The content of a RawExtension: JSON text, or a nested protobuf envelope (`k8s\0`...).
    private mutating func embedded(_ raw: [UInt8], depth: Int) throws -> JSONValue {
        if raw.starts(with: KubernetesProtobuf.magic) {
            guard depth < Self.maxDepth else { throw ProtobufReader.malformed("objects nested deeper than \(Self.maxDepth)") }
            let decoded = try KubernetesProtobuf.decodeDetailed(raw, schema: schema, depth: depth + 1)
            unknownFields += decoded.unknownFields
            return decoded.object
        }
        do {
            return try JSONValue(parsing: Data(raw))
        } catch {
            throw ProtobufReader.malformed("embedded object is neither JSON nor protobuf")
        }
    }

    /// RFC 3339 in UTC; MicroTime keeps microseconds, Time drops the fraction as Kubernetes does.
    static func rfc3339(seconds: Int64, nanos: Int64, micro: Bool) -> String {
        let whole = RFC3339.format(Date(timeIntervalSince1970: Double(seconds)), fractionDigits: 0)
        guard micro else { return whole }
        let micros = String(nanos / 1000)
        return String(whole.dropLast()) + "." + String(repeating: "0", count: 6 - micros.count) + micros + "Z"
    }
}
