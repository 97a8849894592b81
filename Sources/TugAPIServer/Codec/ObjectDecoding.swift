import Foundation
import TugAPI

/// Turns JSON into typed objects, translating Swift's decoding errors into the 400 messages a
/// user can act on (`.spec.replicas: expected a number, got string`).
enum ObjectDecoding {
    static func decode<O: Decodable>(_ type: O.Type, from value: JSONValue) throws -> O {
        do {
            return try JSONValueDecoder.decode(O.self, from: value)
        } catch let e as DecodingError {
            throw APIError.badRequest(describe(e))
        }
    }

    static func decode<O: Decodable>(_ type: O.Type, from data: Data) throws -> O {
        do {
            return try APICoding.decode(O.self, from: data)
        } catch let e as DecodingError {
            throw APIError.badRequest(describe(e))
        }
    }

    static func describe(_ e: DecodingError) -> String {
        func path(_ keys: [any CodingKey]) -> String {
            var s = ""
            for k in keys {
                if let i = k.intValue { s += "[\(i)]" } else { s += s.isEmpty ? k.stringValue : ".\(k.stringValue)" }
            }
            return s.isEmpty ? "the object" : s
        }
        switch e {
        case .typeMismatch(let t, let ctx):
            return "json: cannot unmarshal the value at \(path(ctx.codingPath)): expected \(typeName(t))"
        case .valueNotFound(let t, let ctx):
            return "json: \(path(ctx.codingPath)): expected \(typeName(t)), got null"
        case .keyNotFound(let k, let ctx):
            return "json: \(path(ctx.codingPath + [k])): required field is missing"
        case .dataCorrupted(let ctx):
            let underlying = (ctx.underlyingError as NSError?)?.localizedDescription
            if ctx.codingPath.isEmpty {
                return "the request body is not valid JSON" + (underlying.map { ": \($0)" } ?? "")
            }
            return "json: \(path(ctx.codingPath)): \(ctx.debugDescription)"
        @unknown default:
            return "the request body could not be decoded: \(e)"
        }
    }

    private static func typeName(_ t: Any.Type) -> String {
        switch t {
        case is String.Type: return "a string"
        case is Int.Type, is Int64.Type, is Int32.Type, is Double.Type: return "a number"
        case is Bool.Type: return "a boolean"
        default:
            let n = String(describing: t)
            if n.hasPrefix("Array") { return "an array" }
            if n.hasPrefix("Dictionary") { return "an object" }
            return "an object (\(n))"
        }
    }
}
