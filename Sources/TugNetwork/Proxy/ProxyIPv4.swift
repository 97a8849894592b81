import TugAPI

/// An IPv4 address as the proxy uses it: parsed strictly from dotted-quad text (no leading
/// zeros, no shorthand), so a malformed address in a Service never reaches an nft script.
public struct ProxyIPv4: Sendable, Hashable, Comparable, CustomStringConvertible {
    public let value: UInt32

    public init(_ value: UInt32) { self.value = value }

    /// Nil when `text` is not a plain dotted-quad IPv4 address (IPv6 included).
    public init?(_ text: String) {
        guard let value = IPv4Network.parseAddress(text) else { return nil }
        self.value = value
    }

    public var description: String { IPv4Network.format(value) }

    /// In 127.0.0.0/8.
    public var isLoopback: Bool { value >> 24 == 127 }

    public static func < (a: ProxyIPv4, b: ProxyIPv4) -> Bool { a.value < b.value }
}

/// An IPv4 network (`10.42.0.0/16`): the cluster's pod CIDR, whose sources count as "in the cluster".
public struct ProxyIPv4CIDR: Sendable, Hashable, CustomStringConvertible {
    public let network: ProxyIPv4
    public let prefixLength: Int

    /// Throws when `text` is not ADDRESS/PREFIX with an IPv4 network address and no host bits set.
    public init(_ text: String) throws {
        let parts = text.split(separator: "/", omittingEmptySubsequences: false)
        guard parts.count == 2, let address = ProxyIPv4(String(parts[0])) else {
            throw ProxyConfigError("'\(text)' is not an IPv4 CIDR; write ADDRESS/PREFIX, for example 10.42.0.0/16")
        }
        guard let prefix = Int(parts[1]), (0...32).contains(prefix) else {
            throw ProxyConfigError("'\(text)': the prefix must be a number from 0 to 32")
        }
        let masked = IPv4Network(address: address.value, prefix: prefix)
        guard masked.address == address.value else {
            throw ProxyConfigError("'\(text)' has host bits set; the network is \(masked)")
        }
        network = address
        prefixLength = prefix
    }

    public func contains(_ address: ProxyIPv4) -> Bool {
        IPv4Network(address: network.value, prefix: prefixLength).contains(address.value)
    }

    public var description: String { "\(network)/\(prefixLength)" }
}

/// A setting the proxy cannot work with, said so that the operator can fix it.
public struct ProxyConfigError: Error, CustomStringConvertible, Sendable, Equatable {
    public let description: String
    public init(_ description: String) { self.description = description }
}
