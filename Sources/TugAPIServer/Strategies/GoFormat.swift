import Foundation
import TugAPI

/// Renders bad values the way Kubernetes' field errors print them (Go's `%#v`), so clients
/// and users who match on messages see the same text.
enum GoFormat {
    /// Byte-wise order, as Go's `sort.Strings`.
    static func less(_ a: String, _ b: String) -> Bool { a.utf8.lexicographicallyPrecedes(b.utf8) }

    static func sortedKeys<V>(_ m: [String: V]) -> [String] { m.keys.sorted(by: less) }


    /// `map[string]string{"app":"web", "tier":"fe"}`, or `map[string]string(nil)`.
    static func stringMap(_ m: [String: String]?) -> String {
        guard let m else { return "map[string]string(nil)" }
        let body = sortedKeys(m).map { goQuoted($0) + ":" + goQuoted(m[$0]!) }.joined(separator: ", ")
        return "map[string]string{" + body + "}"
    }

    /// `[]string{"a", "b"}`, or `[]string(nil)`.
    static func stringSlice(_ s: [String]?) -> String {
        guard let s else { return "[]string(nil)" }
        return "[]string{" + s.map(goQuoted).joined(separator: ", ") + "}"
    }

    /// A label selector as `%#v` prints the dereferenced struct.
    static func labelSelector(_ s: MetaV1.LabelSelector?) -> String {
        guard let s else { return "null" }
        var exprs = "[]v1.LabelSelectorRequirement(nil)"
        if let e = s.matchExpressions {
            exprs = "[]v1.LabelSelectorRequirement{" + e.map { r in
                "v1.LabelSelectorRequirement{Key:\(goQuoted(r.key ?? "")), Operator:\(goQuoted(r.operator ?? "")), Values:\(stringSlice(r.values))}"
            }.joined(separator: ", ") + "}"
        }
        return "v1.LabelSelector{MatchLabels:\(stringMap(s.matchLabels)), MatchExpressions:\(exprs)}"
    }

    /// A value's JSON (sorted keys), for bad values that are whole structures.
    static func json<T: Encodable>(_ value: T?) -> String {
        guard let value else { return "null" }
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        guard let data = try? encoder.encode(value) else { return "null" }
        return String(decoding: data, as: UTF8.self)
    }

    /// `field is immutable` at `path` when the two values differ.
    static func immutable<T: Equatable & Encodable>(_ new: T?, _ old: T?, path: String) -> [FieldError] {
        new == old ? [] : [FieldError(.invalid, path, value: json(new), "field is immutable")]
    }

    static func immutableString(_ new: String?, _ old: String?, path: String) -> [FieldError] {
        (new ?? "") == (old ?? "") ? [] : [.invalid(path, new ?? "", "field is immutable")]
    }
}
