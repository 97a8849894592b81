import Foundation

/// Parses JSON text (RFC 8259) into a `JSONValue` in one pass. Going through `Decodable`
/// costs several times more (each value is tried as every type in turn), and every request
/// body, patch and managedFields computation parses JSON.
///
/// Numbers become `.int` when their value is a whole number that fits Int64 (`1.0` and `1e3`
/// included, as Foundation's decoder read them), else `.double`. Nesting deeper than 512
/// levels is an error rather than a stack overflow.
public struct JSONReader {
    public struct SyntaxError: Error, LocalizedError, CustomStringConvertible {
        public var message: String
        public var offset: Int
        public var description: String { "\(message) at byte offset \(offset)" }
        public var errorDescription: String? { description }
    }

    public static let maxDepth = 512

    public static func parse(_ bytes: some Collection<UInt8>) throws(SyntaxError) -> JSONValue {
        let result: Result<JSONValue, SyntaxError>? = bytes.withContiguousStorageIfAvailable { buf in
            Result { () throws(SyntaxError) in try parseBuffer(buf) }
        }
        if let result { return try result.get() }
        let copy = Array(bytes)
        return try copy.withUnsafeBufferPointer { buf throws(SyntaxError) in try parseBuffer(buf) }
    }

    private static func parseBuffer(_ buf: UnsafeBufferPointer<UInt8>) throws(SyntaxError) -> JSONValue {
        var r = JSONReader(buf: buf)
        r.skipSpace()
        let v = try r.value(depth: 0)
        r.skipSpace()
        if r.pos != buf.count { throw r.error("unexpected data after the JSON value") }
        return v
    }

    private let buf: UnsafeBufferPointer<UInt8>
    private var pos = 0

    private init(buf: UnsafeBufferPointer<UInt8>) { self.buf = buf }

    private func error(_ message: String) -> SyntaxError { SyntaxError(message: message, offset: pos) }

    private mutating func skipSpace() {
        while pos < buf.count {
            switch buf[pos] {
            case 0x20, 0x0A, 0x0D, 0x09: pos += 1
            default: return
            }
        }
    }

    private mutating func value(depth: Int) throws(SyntaxError) -> JSONValue {
        guard pos < buf.count else { throw error("unexpected end of JSON input") }
        switch buf[pos] {
        case UInt8(ascii: "{"): return try object(depth: depth + 1)
        case UInt8(ascii: "["): return try array(depth: depth + 1)
        case UInt8(ascii: "\""): return .string(try string())
        case UInt8(ascii: "t"): try literal("true"); return .bool(true)
        case UInt8(ascii: "f"): try literal("false"); return .bool(false)
        case UInt8(ascii: "n"): try literal("null"); return .null
        case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"): return try number()
        default: throw error("invalid character '\(Self.show(buf[pos]))' looking for beginning of value")
        }
    }

    private mutating func literal(_ word: StaticString) throws(SyntaxError) {
        let n = word.utf8CodeUnitCount
        guard pos + n <= buf.count else { throw error("unexpected end of JSON input") }
        for i in 0..<n where buf[pos + i] != word.utf8Start[i] {
            pos += i
            throw error("invalid character '\(Self.show(buf[pos]))' in literal \(word)")
        }
        pos += n
    }

    private mutating func object(depth: Int) throws(SyntaxError) -> JSONValue {
        if depth > Self.maxDepth { throw error("exceeded max depth of \(Self.maxDepth)") }
        pos += 1
        var out: [String: JSONValue] = [:]
        skipSpace()
        if pos < buf.count, buf[pos] == UInt8(ascii: "}") { pos += 1; return .object(out) }
        while true {
            skipSpace()
            guard pos < buf.count else { throw error("unexpected end of JSON input") }
            guard buf[pos] == UInt8(ascii: "\"") else {
                throw error("invalid character '\(Self.show(buf[pos]))' looking for beginning of object key string")
            }
            let key = try string()
            skipSpace()
            guard pos < buf.count else { throw error("unexpected end of JSON input") }
            guard buf[pos] == UInt8(ascii: ":") else { throw error("invalid character '\(Self.show(buf[pos]))' after object key") }
            pos += 1
            skipSpace()
            out[key] = try value(depth: depth)
            skipSpace()
            guard pos < buf.count else { throw error("unexpected end of JSON input") }
            switch buf[pos] {
            case UInt8(ascii: ","): pos += 1
            case UInt8(ascii: "}"): pos += 1; return .object(out)
            default: throw error("invalid character '\(Self.show(buf[pos]))' after object key:value pair")
            }
        }
    }

    private mutating func array(depth: Int) throws(SyntaxError) -> JSONValue {
        if depth > Self.maxDepth { throw error("exceeded max depth of \(Self.maxDepth)") }
        pos += 1
        var out: [JSONValue] = []
        skipSpace()
        if pos < buf.count, buf[pos] == UInt8(ascii: "]") { pos += 1; return .array(out) }
        while true {
            skipSpace()
            out.append(try value(depth: depth))
            skipSpace()
            guard pos < buf.count else { throw error("unexpected end of JSON input") }
            switch buf[pos] {
            case UInt8(ascii: ","): pos += 1
            case UInt8(ascii: "]"): pos += 1; return .array(out)
            default: throw error("invalid character '\(Self.show(buf[pos]))' after array element")
            }
        }
    }

    private mutating func string() throws(SyntaxError) -> String {
        pos += 1
        let start = pos
        // Fast path: no escapes.
        while pos < buf.count {
            let c = buf[pos]
            if c == UInt8(ascii: "\"") {
                let slice = UnsafeBufferPointer(rebasing: buf[start..<pos])
                guard let s = String(validating: slice, as: UTF8.self) else { throw error("invalid UTF-8 in string") }
                pos += 1
                return s
            }
            if c == UInt8(ascii: "\\") { break }
            if c < 0x20 { throw error("invalid control character in string literal") }
            pos += 1
        }
        var bytes = Array(UnsafeBufferPointer(rebasing: buf[start..<pos]))
        while pos < buf.count {
            let c = buf[pos]
            switch c {
            case UInt8(ascii: "\""):
                pos += 1
                guard let s = String(validating: bytes, as: UTF8.self) else { throw error("invalid UTF-8 in string") }
                return s
            case UInt8(ascii: "\\"):
                pos += 1
                guard pos < buf.count else { throw error("unexpected end of JSON input") }
                let e = buf[pos]
                pos += 1
                switch e {
                case UInt8(ascii: "\""), UInt8(ascii: "\\"), UInt8(ascii: "/"): bytes.append(e)
                case UInt8(ascii: "b"): bytes.append(0x08)
                case UInt8(ascii: "f"): bytes.append(0x0C)
                case UInt8(ascii: "n"): bytes.append(0x0A)
                case UInt8(ascii: "r"): bytes.append(0x0D)
                case UInt8(ascii: "t"): bytes.append(0x09)
                case UInt8(ascii: "u"):
                    var scalar = try hex4()
                    if (0xD800..<0xDC00).contains(scalar), pos + 1 < buf.count, buf[pos] == UInt8(ascii: "\\"), buf[pos + 1] == UInt8(ascii: "u") {
                        let save = pos
                        pos += 2
                        let low = try hex4()
                        if (0xDC00..<0xE000).contains(low) {
                            scalar = 0x10000 + ((scalar - 0xD800) << 10) + (low - 0xDC00)
                        } else {
                            pos = save
                        }
                    }
                    // Lone surrogates become U+FFFD, as Go's decoder does.
                    let u = Unicode.Scalar(scalar) ?? "\u{FFFD}"
                    bytes.append(contentsOf: Array(String(Character(u)).utf8))
                default:
                    pos -= 1
                    throw error("invalid character '\(Self.show(e))' in string escape code")
                }
            default:
                if c < 0x20 { throw error("invalid control character in string literal") }
                bytes.append(c)
                pos += 1
            }
        }
        throw error("unexpected end of JSON input")
    }

    private mutating func hex4() throws(SyntaxError) -> UInt32 {
        guard pos + 4 <= buf.count else { throw error("unexpected end of JSON input") }
        var v: UInt32 = 0
        for _ in 0..<4 {
            let c = buf[pos]
            let d: UInt32
            switch c {
            case UInt8(ascii: "0")...UInt8(ascii: "9"): d = UInt32(c - UInt8(ascii: "0"))
            case UInt8(ascii: "a")...UInt8(ascii: "f"): d = UInt32(c - UInt8(ascii: "a") + 10)
            case UInt8(ascii: "A")...UInt8(ascii: "F"): d = UInt32(c - UInt8(ascii: "A") + 10)
            default: throw error("invalid character '\(Self.show(c))' in \\u hexadecimal character escape")
            }
            v = v << 4 | d
            pos += 1
        }
        return v
    }

    private mutating func number() throws(SyntaxError) -> JSONValue {
        let start = pos
        var integral = true
        if buf[pos] == UInt8(ascii: "-") { pos += 1 }
        guard pos < buf.count, Self.isDigit(buf[pos]) else { throw error("invalid character in numeric literal") }
        if buf[pos] == UInt8(ascii: "0") {
            pos += 1
            if pos < buf.count, Self.isDigit(buf[pos]) { throw error("invalid character '\(Self.show(buf[pos]))' after top-level value") }
        } else {
            while pos < buf.count, Self.isDigit(buf[pos]) { pos += 1 }
        }
        if pos < buf.count, buf[pos] == UInt8(ascii: ".") {
            integral = false
            pos += 1
            guard pos < buf.count, Self.isDigit(buf[pos]) else { throw error("invalid character after decimal point in numeric literal") }
            while pos < buf.count, Self.isDigit(buf[pos]) { pos += 1 }
        }
        if pos < buf.count, buf[pos] == UInt8(ascii: "e") || buf[pos] == UInt8(ascii: "E") {
            integral = false
            pos += 1
            if pos < buf.count, buf[pos] == UInt8(ascii: "+") || buf[pos] == UInt8(ascii: "-") { pos += 1 }
            guard pos < buf.count, Self.isDigit(buf[pos]) else { throw error("invalid character in exponent of numeric literal") }
            while pos < buf.count, Self.isDigit(buf[pos]) { pos += 1 }
        }
        let text = String(decoding: UnsafeBufferPointer(rebasing: buf[start..<pos]), as: UTF8.self)
        if integral, let i = Int64(text) { return .int(i) }
        guard let d = Double(text), d.isFinite else { throw SyntaxError(message: "number \(text) is out of range", offset: start) }
        if d == d.rounded(), d >= -9.223372036854775808e18, d < 9.223372036854775808e18 { return .int(Int64(d)) }
        return .double(d)
    }

    private static func isDigit(_ c: UInt8) -> Bool { c >= UInt8(ascii: "0") && c <= UInt8(ascii: "9") }

    private static func show(_ c: UInt8) -> String {
        c >= 0x20 && c < 0x7F ? String(UnicodeScalar(c)) : String(format: "\\x%02x", c)
    }
}
