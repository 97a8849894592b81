/// An IPv4 network in CIDR notation, with the address masked to its prefix: the shape of
/// `--cluster-cidr` and `--service-cidr`, and the arithmetic their allocators need.
public struct IPv4Network: Sendable, Hashable, CustomStringConvertible {
    public let address: UInt32
    public let prefix: Int

    public init(address: UInt32, prefix: Int) {
        self.prefix = prefix
        self.address = prefix == 0 ? 0 : address & (UInt32.max << UInt32(32 - prefix))
    }

    /// Parses `10.42.0.0/16`; nil for anything else (IPv6, a bare address, bad numbers).
    public init?(_ text: String) {
        let parts = text.split(separator: "/", omittingEmptySubsequences: false)
        guard parts.count == 2, let prefix = Int(parts[1]), (0...32).contains(prefix),
              let address = Self.parseAddress(String(parts[0])) else { return nil }
        self.init(address: address, prefix: prefix)
    }

    /// How many addresses the network spans, network and broadcast addresses included.
    public var size: UInt64 { UInt64(1) << UInt64(32 - prefix) }

    public func contains(_ other: UInt32) -> Bool {
        prefix == 0 || (other & (UInt32.max << UInt32(32 - prefix))) == address
    }

    public var description: String { "\(Self.format(address))/\(prefix)" }

    /// Dotted-quad text → address; nil unless exactly four decimal octets without leading zeros.
    public static func parseAddress(_ text: String) -> UInt32? {
        let octets = text.split(separator: ".", omittingEmptySubsequences: false)
        guard octets.count == 4 else { return nil }
        var address: UInt32 = 0
        for octet in octets {
            guard let value = UInt8(octet), String(value) == octet else { return nil }
            address = address << 8 | UInt32(value)
        }
        return address
    }

    public static func format(_ address: UInt32) -> String {
        "\(address >> 24).\((address >> 16) & 0xFF).\((address >> 8) & 0xFF).\(address & 0xFF)"
    }
}
