#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// IP address text to record bytes and back, and the names derived from addresses: reverse
/// (`in-addr.arpa`, `ip6.arpa`) names and the dashed labels of pod and endpoint records.
public enum DNSAddress {
    /// 4 bytes for IPv4 text, 16 for IPv6 text, nil for anything else.
    public static func parse(_ text: String) -> [UInt8]? {
        if let v4 = parse(text, family: AF_INET, count: 4) { return v4 }
        return parse(text, family: AF_INET6, count: 16)
    }

    static func parse(_ text: String, family: Int32, count: Int) -> [UInt8]? {
        guard !text.isEmpty, text.utf8.count <= 64 else { return nil }
        var buffer = [UInt8](repeating: 0, count: count)
        let ok = buffer.withUnsafeMutableBytes { inet_pton(family, text, $0.baseAddress) }
        return ok == 1 ? buffer : nil
    }

    /// Dotted quad or RFC 5952 IPv6 text.
    public static func format(_ bytes: [UInt8]) -> String {
        let family = bytes.count == 16 ? AF_INET6 : AF_INET
        var text = [CChar](repeating: 0, count: 64)
        _ = bytes.withUnsafeBytes { raw in inet_ntop(family, raw.baseAddress, &text, socklen_t(text.count)) }
        return String(decoding: text.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }

    /// `5.0.42.10.in-addr.arpa.` for 10.42.0.5; nibbles under `ip6.arpa.` for IPv6.
    public static func reverseName(_ bytes: [UInt8]) -> DNSName {
        var labels: [String] = []
        if bytes.count == 4 {
            labels = bytes.reversed().map { String($0) } + ["in-addr", "arpa"]
        } else {
            let hex = Array("0123456789abcdef")
            for byte in bytes.reversed() {
                labels.append(String(hex[Int(byte & 0x0F)]))
                labels.append(String(hex[Int(byte >> 4)]))
            }
            labels += ["ip6", "arpa"]
        }
        // Always valid: at most 34 short labels.
        return try! DNSName(labels: labels)
    }

    /// `10-42-0-5` for 10.42.0.5; IPv6 with `:` replaced by `-` (CoreDNS' endpoint and pod labels).
    public static func dashed(_ bytes: [UInt8]) -> String {
        swapping(bytes.count == 4 ? "." : ":", "-", in: format(bytes))
    }

    /// The address a pod label (`10-42-0-5`, `fd00--5`) stands for, or nil.
    public static func parseDashed(_ label: ArraySlice<UInt8>) -> [UInt8]? {
        guard label.count <= 45 else { return nil }
        let text = String(decoding: label, as: UTF8.self)
        let dashes = label.reduce(0) { $0 + ($1 == 0x2D ? 1 : 0) }
        if dashes == 3, let v4 = parse(swapping("-", ".", in: text), family: AF_INET, count: 4) { return v4 }
        return parse(swapping("-", ":", in: text), family: AF_INET6, count: 16)
    }
}

/// `text` with every `from` character replaced by `to`.
private func swapping(_ from: Character, _ to: Character, in text: String) -> String {
    String(text.map { $0 == from ? to : $0 })
}
