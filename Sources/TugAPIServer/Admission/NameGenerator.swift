import Foundation

/// `generateName`: the prefix plus five random characters from Kubernetes' alphabet (no vowels,
/// no confusable digits), trimmed so the whole name fits 63 characters.
enum NameGenerator {
    static let alphabet = Array("bcdfghjklmnpqrstvwxz2456789")
    static func generate(prefix: String) -> String {
        let p = prefix.count > 58 ? String(prefix.prefix(58)) : prefix
        var g = SystemRandomNumberGenerator()
        return p + String((0..<5).map { _ in alphabet[Int.random(in: 0..<alphabet.count, using: &g)] })
    }
}
