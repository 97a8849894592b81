import Foundation
import NIOCore

/// Where names outside the cluster go: `nameserver` lines of resolv.conf, or addresses given
/// as `1.1.1.1`, `1.1.1.1:5353`, `2001:db8::1` or `[2001:db8::1]:5353` (port 53 by default).
public enum DNSUpstreams {
    public static func parse(_ text: String) throws -> SocketAddress {
        let trimmed = text.trimmingCharacters(in: .whitespaces)
        var host = trimmed
        var port = 53
        if trimmed.hasPrefix("[") {
            guard let close = trimmed.firstIndex(of: "]") else { throw DNSUpstreamError("'\(text)': missing ']' after the IPv6 address") }
            host = String(trimmed[trimmed.index(after: trimmed.startIndex)..<close])
            let rest = trimmed[trimmed.index(after: close)...]
            if !rest.isEmpty {
                guard rest.hasPrefix(":"), let p = Int(rest.dropFirst()) else { throw DNSUpstreamError("'\(text)': expected [ADDRESS]:PORT") }
                port = p
            }
        } else if trimmed.filter({ $0 == ":" }).count == 1 {
            let parts = trimmed.split(separator: ":", maxSplits: 1)
            guard parts.count == 2, let p = Int(parts[1]) else { throw DNSUpstreamError("'\(text)': expected ADDRESS:PORT") }
            host = String(parts[0])
            port = p
        }
        guard (1...65535).contains(port) else { throw DNSUpstreamError("'\(text)': port \(port) is not 1-65535") }
        // Drop an IPv6 zone (`fe80::1%eth0`): resolv.conf allows it, SocketAddress does not parse it.
        if let percent = host.firstIndex(of: "%") { host = String(host[..<percent]) }
        guard DNSAddress.parse(host) != nil else { throw DNSUpstreamError("'\(text)': '\(host)' is not an IP address") }
        do {
            return try SocketAddress(ipAddress: host, port: port)
        } catch {
            throw DNSUpstreamError("'\(text)': \(error)")
        }
    }

    public static func parse(_ texts: [String]) throws -> [SocketAddress] { try texts.map(parse) }

    /// The `nameserver` addresses of a resolv.conf text, in order.
    public static func nameservers(inResolvConf text: String) -> [String] {
        text.split(whereSeparator: \.isNewline).compactMap { line in
            let fields = line.split(whereSeparator: { $0 == " " || $0 == "\t" })
            guard fields.count >= 2, fields[0] == "nameserver" else { return nil }
            return String(fields[1])
        }
    }

    /// The host's resolvers (`/etc/resolv.conf` by default), leaving out any address in
    /// `excluding` (the DNS server's own addresses: forwarding to itself would loop).
    public static func fromResolvConf(path: String = "/etc/resolv.conf", excluding own: [SocketAddress] = []) throws -> [SocketAddress] {
        let text: String
        do {
            text = try String(contentsOfFile: path, encoding: .utf8)
        } catch {
            throw DNSUpstreamError("cannot read \(path): \(error.localizedDescription)")
        }
        let ownHosts = Set(own.compactMap(\.ipAddress))
        return nameservers(inResolvConf: text).compactMap { try? parse($0) }.filter { address in
            !own.contains(address) && !(address.port == 53 && ownHosts.contains(address.ipAddress ?? ""))
        }
    }
}

/// A bad upstream address or an unreadable resolv.conf.
public struct DNSUpstreamError: Error, CustomStringConvertible, Sendable {
    public let description: String
    init(_ description: String) { self.description = description }
}
