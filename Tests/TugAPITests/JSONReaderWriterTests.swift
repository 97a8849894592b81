import Foundation
import Testing
@testable import TugAPI

/// The hand-written JSON reader and writer must agree with Foundation's decoder and encoder,
/// which they replace on the hot path, and reject what is not JSON.
@Suite struct JSONReaderWriterTests {
    func foundation(_ text: String) throws -> JSONValue { try JSONDecoder().decode(JSONValue.self, from: Data(text.utf8)) }

    func encoded(_ v: JSONValue) -> String {
        let e = JSONEncoder()
        e.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return String(decoding: try! e.encode(v), as: UTF8.self)
    }

    @Test func readsLikeFoundation() throws {
        let docs = [
            #"{"a":1,"b":[true,false,null],"c":{"d":"e"},"f":-2.5,"g":"","h":[],"i":{}}"#,
            #"[1, 1.0, 1e3, 1E2, 0.1e1, -0, 1.5, 12345678901234567890, -9223372036854775808, 9223372036854775807]"#,
            #"  {"esc":"a\"b\\c\/d\b\f\n\r\t\u0041\u00e9\ud83d\ude00 ok"}  "#,
            "\"caf\u{e9} \u{1F600}\"",
            #"{"nested":[[[[{"x":[0]}]]]]}"#,
        ]
        for doc in docs {
            let ours = try JSONValue(parsing: Data(doc.utf8))
            #expect(ours == (try foundation(doc)), "\(doc)")
        }
        #expect(try JSONValue(parsing: Data("[1.0, 2.5]".utf8)) == [.int(1), .double(2.5)])
        // A repeated key: the last one wins, as in Go's decoder.
        #expect(try JSONValue(parsing: Data(#"{"dup":1,"dup":2}"#.utf8)) == ["dup": 2])
    }

    @Test func rejectsWhatIsNotJSON() {
        let bad = ["", "{", "[1,]", "{\"a\":}", "{\"a\" 1}", "{a:1}", "01", "1.", "-", ".5", "1e", "tru", "nul", "[1 2]",
                   "\"unterminated", "\"bad \\x escape\"", "\"ctl \u{1} char\"", "{} {}", "1e400", "[\"\\u12G4\"]"]
        for text in bad {
            #expect(throws: DecodingError.self, "\(text)") { try JSONValue(parsing: Data(text.utf8)) }
        }
        #expect(throws: DecodingError.self) { try JSONValue(parsing: [0x22, 0xFF, 0x22]) }   // invalid UTF-8
        let deep = String(repeating: "[", count: 600) + String(repeating: "]", count: 600)
        #expect(throws: DecodingError.self) { try JSONValue(parsing: Data(deep.utf8)) }
        let ok = String(repeating: "[", count: 500) + String(repeating: "]", count: 500)
        #expect((try? JSONValue(parsing: Data(ok.utf8))) != nil)
    }

    @Test func errorsSayWhereAndWhat() throws {
        do {
            _ = try JSONValue(parsing: Data(#"{"a": tru}"#.utf8))
            Issue.record("accepted")
        } catch let DecodingError.dataCorrupted(ctx) {
            let message = (ctx.underlyingError as? JSONReader.SyntaxError)?.description ?? ""
            #expect(message.contains("in literal true") && message.contains("offset 9"), "\(message)")
        }
    }

    @Test func writesLikeFoundation() throws {
        let values: [JSONValue] = [
            ["b": 1, "a": 2, "B": 3, "é": 4, "_": 5, "nested": ["z": [1, 2, ["y": .null]], "x": true]],
            ["s": "a\u{1}b\"\\/\n\r\t\u{7f}é😀", "empty": "", "list": []],
            [.double(0.5), .double(1e-7), .double(1.5e20), .double(123456789012345678.0), .double(1e15), .double(1e16),
             .double(-2.25), .double(1.0), .int(-9_223_372_036_854_775_808), .int(42)],
        ]
        for v in values {
            #expect(String(decoding: JSONWriter.write(v), as: UTF8.self) == encoded(v))
            // And what we write reads back as the same value.
            #expect(try JSONValue(parsing: JSONWriter.write(v)) == v || v.containsWholeDouble)
        }
    }

    @Test func roundTripsRandomDocuments() throws {
        var rng = SplitMix(seed: 42)
        for _ in 0..<300 {
            let v = randomValue(&rng, depth: 0)
            let text = JSONWriter.write(v)
            #expect(try JSONValue(parsing: text) == v, "\(String(decoding: text, as: UTF8.self))")
            #expect(try foundation(String(decoding: text, as: UTF8.self)) == v)
        }
    }

    func randomValue(_ rng: inout SplitMix, depth: Int) -> JSONValue {
        switch rng.next() % (depth > 3 ? 5 : 7) {
        case 0: return .null
        case 1: return .bool(rng.next() % 2 == 0)
        case 2: return .int(Int64(bitPattern: rng.next()) >> Int64(rng.next() % 64))
        case 3: return .double(Double(Int64(bitPattern: rng.next()) % 1_000_000) + 0.5)
        case 4:
            let alphabet = Array("abc XYZ_é😀\"\\\n\t\u{1}/-.:")
            return .string(String((0..<Int(rng.next() % 12)).map { _ in alphabet[Int(rng.next() % UInt64(alphabet.count))] }))
        case 5: return .array((0..<Int(rng.next() % 4)).map { _ in randomValue(&rng, depth: depth + 1) })
        default:
            var o: [String: JSONValue] = [:]
            for i in 0..<Int(rng.next() % 4) { o["k\(i)\(rng.next() % 3)"] = randomValue(&rng, depth: depth + 1) }
            return .object(o)
        }
    }
}

/// A small deterministic generator, so a failing document can be reproduced.
struct SplitMix {
    var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}

extension JSONValue {
    /// Whole-number doubles read back as `.int` (as Foundation's decoder read them too).
    var containsWholeDouble: Bool {
        switch self {
        case .double(let d): return d == d.rounded()
        case .array(let a): return a.contains { $0.containsWholeDouble }
        case .object(let o): return o.values.contains { $0.containsWholeDouble }
        default: return false
        }
    }
}
