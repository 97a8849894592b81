/// FNV-1a, 64 bit: a hash that stays the same across processes and restarts (Swift's
/// `Hasher` is seeded per process), for change detection stored in the runtime or the API.
enum StableHash {
    static func fnv1a<S: Sequence>(_ bytes: S, into h: inout UInt64) where S.Element == UInt8 {
        for b in bytes { h = (h ^ UInt64(b)) &* 0x100_0000_01b3 }
    }

    static func hex<S: Sequence>(_ bytes: S) -> String where S.Element == UInt8 {
        var h = seed
        fnv1a(bytes, into: &h)
        return String(h, radix: 16)
    }

    static let seed: UInt64 = 0xcbf2_9ce4_8422_2325
}
