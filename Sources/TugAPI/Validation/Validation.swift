import Foundation

/// Kubernetes' apimachinery validation (`k8s.io/apimachinery/pkg/util/validation` and
/// `pkg/api/validate/content`): the same rules, limits and messages, because clients and
/// users match on them. `is…` functions return the list of problems (empty when valid), as
/// their Go counterparts do; `validate…` functions return `FieldError`s at a path.
///
/// The matchers are hand-written over UTF-8 bytes (no regex engine): they run on every write.
public enum Validation {
    // MARK: messages

    /// "must be no more than 63 characters" (DNS names, port names).
    public static func maxLenError(_ length: Int) -> String { "must be no more than \(length) characters" }

    /// "must be no more than 63 bytes" (label keys and values, since Kubernetes 1.35).
    public static func maxLenBytesError(_ length: Int) -> String { "must be no more than \(length) bytes" }

    public static let emptyError = "must be non-empty"

    public static func inclusiveRangeError(_ low: Int, _ high: Int) -> String {
        "must be between \(low) and \(high), inclusive"
    }

    /// Kubernetes' `RegexError`, down to its doubled space between examples:
    /// `msg (e.g. 'a',  or 'b', regex used for validation is 're')`.
    public static func regexError(_ message: String, _ regex: String, examples: [String] = []) -> String {
        if examples.isEmpty { return message + " (regex used for validation is '" + regex + "')" }
        var s = message + " (e.g. "
        for (i, example) in examples.enumerated() {
            if i > 0 { s += " or " }
            s += "'" + example + "', "
        }
        return s + "regex used for validation is '" + regex + "')"
    }

    /// Field errors for every message, all `Invalid` at `path` with `value`.
    static func invalid(_ path: String, _ value: String, _ messages: [String]) -> [FieldError] {
        messages.map { FieldError.invalid(path, value, $0) }
    }

    // MARK: byte classes shared by the matchers

    static func isLowerAlnum(_ c: UInt8) -> Bool {
        (c >= UInt8(ascii: "a") && c <= UInt8(ascii: "z")) || isDigit(c)
    }

    static func isAlnum(_ c: UInt8) -> Bool {
        isLowerAlnum(c) || (c >= UInt8(ascii: "A") && c <= UInt8(ascii: "Z"))
    }

    static func isAlpha(_ c: UInt8) -> Bool {
        (c >= UInt8(ascii: "a") && c <= UInt8(ascii: "z")) || (c >= UInt8(ascii: "A") && c <= UInt8(ascii: "Z"))
    }

    static func isDigit(_ c: UInt8) -> Bool { c >= UInt8(ascii: "0") && c <= UInt8(ascii: "9") }

    /// Matches `first(middle*last)?`: one byte, or a first byte, middle bytes and a last byte.
    static func matches<S: Collection>(
        _ bytes: S, first: (UInt8) -> Bool, middle: (UInt8) -> Bool, last: (UInt8) -> Bool
    ) -> Bool where S.Element == UInt8 {
        guard let head = bytes.first, first(head) else { return false }
        var count = 0
        var previous = head
        for c in bytes {
            if count > 0 && !middle(c) { return false }
            previous = c
            count += 1
        }
        return count == 1 || last(previous)
    }
}
