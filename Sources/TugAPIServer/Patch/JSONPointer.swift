import TugAPI

/// An RFC 6901 JSON Pointer (`/spec/containers/0/image`), with `~1` for `/` and `~0` for `~`.
struct JSONPointer: Equatable, CustomStringConvertible {
    let tokens: [String]
    let description: String

    init(_ text: String) throws {
        description = text
        if text.isEmpty {
            tokens = []
            return
        }
        guard text.hasPrefix("/") else {
            throw PatchErrors.unprocessable("JSON pointer must be empty or start with a \"/\": \(text)", field: text)
        }
        tokens = try text.dropFirst().split(separator: "/", omittingEmptySubsequences: false).map { raw in
            try JSONPointer.unescape(String(raw), in: text)
        }
    }

    private static func unescape(_ s: String, in pointer: String) throws -> String {
        guard s.contains("~") else { return s }
        var out = ""
        var it = s.makeIterator()
        while let c = it.next() {
            guard c == "~" else { out.append(c); continue }
            switch it.next() {
            case "0": out.append("~")
            case "1": out.append("/")
            default: throw PatchErrors.unprocessable("invalid escape in JSON pointer \(pointer): \"~\" must be followed by 0 or 1", field: pointer)
            }
        }
        return out
    }

    /// The pointer text without its last token (`/spec/containers` for `/spec/containers/3`).
    var parentDescription: String {
        guard let slash = description.lastIndex(of: "/") else { return "" }
        return String(description[..<slash])
    }

    /// True when `self` points strictly inside `other`'s value (move may not go into itself).
    func isProperChild(of other: JSONPointer) -> Bool {
        tokens.count > other.tokens.count && Array(tokens.prefix(other.tokens.count)) == other.tokens
    }

    /// An array index token: decimal digits without leading zeros.
    static func index(_ token: String) -> Int? {
        guard !token.isEmpty, token.allSatisfy({ $0.isASCII && $0.isNumber }) else { return nil }
        if token.count > 1 && token.hasPrefix("0") { return nil }
        return Int(token)
    }
}
