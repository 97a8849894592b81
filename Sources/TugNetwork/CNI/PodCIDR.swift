#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// A node's pod CIDR (`10.42.1.0/24`), checked: a network address of either family, no host
/// bits set, and room for the bridge's gateway and at least one pod.
public struct PodCIDR: Sendable, Hashable, CustomStringConvertible {
    public enum Family: Sendable, Hashable { case ipv4, ipv6 }

    public let family: Family
    public let prefixLength: Int
    /// The network address, 4 or 16 bytes.
    public let networkBytes: [UInt8]

    public init(_ text: String) throws {
        let trimmed = text.trimmingCharacters(in: .whitespaces)
        let parts = trimmed.split(separator: "/", omittingEmptySubsequences: false)
        guard parts.count == 2 else {
            throw CNIConfigError("pod CIDR '\(text)' must be ADDRESS/PREFIX, for example 10.42.1.0/24")
        }
        let addressText = String(parts[0])
        let family: Family
        var bytes: [UInt8]
        if let v4 = Self.parse(addressText, family: AF_INET, count: 4) {
            family = .ipv4
            bytes = v4
        } else if let v6 = Self.parse(addressText, family: AF_INET6, count: 16) {
            family = .ipv6
            bytes = v6
        } else {
            throw CNIConfigError("pod CIDR '\(text)': '\(addressText)' is not an IPv4 or IPv6 address")
        }
        let maximum = family == .ipv4 ? 30 : 126 // leave the gateway and at least one pod address
        guard let prefix = Int(parts[1]), (1...maximum).contains(prefix) else {
            throw CNIConfigError("pod CIDR '\(text)': prefix '/\(parts[1])' must be a number from 1 to \(maximum) for \(family == .ipv4 ? "IPv4" : "IPv6")")
        }
        let masked = Self.mask(bytes, prefixLength: prefix)
        guard masked == bytes else {
            let network = Self.format(masked, family: family)
            throw CNIConfigError("pod CIDR '\(text)' has host bits set; the network is \(network)/\(prefix)")
        }
        bytes = masked
        self.family = family
        self.prefixLength = prefix
        self.networkBytes = bytes
    }

    public var networkAddress: String { Self.format(networkBytes, family: family) }

    /// The first address after the network address: the bridge's own address, pods' gateway.
    public var gateway: String {
        var bytes = networkBytes
        for index in bytes.indices.reversed() {
            if bytes[index] == 255 { bytes[index] = 0 } else { bytes[index] += 1; break }
        }
        return Self.format(bytes, family: family)
    }

    /// The default route for this family (`0.0.0.0/0` or `::/0`).
    public var defaultRoute: String { family == .ipv4 ? "0.0.0.0/0" : "::/0" }

    public var description: String { "\(networkAddress)/\(prefixLength)" }

    private static func parse(_ text: String, family: Int32, count: Int) -> [UInt8]? {
        var buffer = [UInt8](repeating: 0, count: count)
        let ok = buffer.withUnsafeMutableBytes { inet_pton(family, text, $0.baseAddress) }
        return ok == 1 ? buffer : nil
    }

    private static func mask(_ bytes: [UInt8], prefixLength: Int) -> [UInt8] {
        bytes.enumerated().map { index, byte in
            let bitsHere = max(0, min(8, prefixLength - index * 8))
            let keep: UInt8 = bitsHere == 0 ? 0 : UInt8(truncatingIfNeeded: 0xFF << (8 - bitsHere))
            return byte & keep
        }
    }

    private static func format(_ bytes: [UInt8], family: Family) -> String {
        var output = [CChar](repeating: 0, count: 64)
        let af = family == .ipv4 ? AF_INET : AF_INET6
        _ = bytes.withUnsafeBytes { raw in inet_ntop(af, raw.baseAddress, &output, socklen_t(output.count)) }
        return String(decoding: output.prefix(while: { $0 != 0 }).map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }
}
