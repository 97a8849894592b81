/// Byte-wise key ordering and prefix ranges, shared by the backends so that every backend
/// orders keys exactly like SQLite's BINARY collation (UTF-8 byte order).
public enum KeyPrefix {
    /// Whether `key` starts with `prefix`, byte for byte (no Unicode normalization).
    @inlinable
    public static func matches(_ key: String, _ prefix: String) -> Bool {
        prefix.isEmpty || key.utf8.starts(with: prefix.utf8)
    }

    /// UTF-8 byte order, the order SQLite uses for TEXT.
    @inlinable
    public static func less(_ a: String, _ b: String) -> Bool {
        a.utf8.lexicographicallyPrecedes(b.utf8)
    }

    /// The smallest string greater than every key with `prefix`, or nil for the empty prefix
    /// (no upper bound). Used for `name >= prefix AND name < end` range scans.
    public static func rangeEnd(_ prefix: String) -> String? {
        guard let last = prefix.unicodeScalars.last else { return nil }
        if last.value < 0x7F, let next = Unicode.Scalar(last.value + 1) {
            var scalars = prefix.unicodeScalars
            scalars.removeLast()
            scalars.append(next)
            return String(scalars)
        }
        // Non-ASCII tail: U+10FFFF sorts after any other continuation of the prefix.
        return prefix + "\u{10FFFF}"
    }
}
