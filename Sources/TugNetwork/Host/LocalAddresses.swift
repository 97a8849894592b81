import Foundation

/// Addresses this node answers on itself, held on the loopback interface: the cluster DNS
/// address. Linux delivers a packet for any local address whatever interface it came in on,
/// so pods reach it through their bridge's gateway and nothing is routed elsewhere. (A dummy
/// interface, as NodeLocal DNSCache uses, would do the same, but not every kernel has the
/// dummy driver; every one has `lo`.) Managed with iproute2's `ip`, as root.
public struct LocalAddresses: Sendable {
    public let interface = "lo"
    /// A named network namespace (`ip netns`) to work in instead of the current one.
    public let namespace: String?

    public init(namespace: String? = nil) { self.namespace = namespace }

    /// Adds each address as a /32 (already there is fine).
    public func add(_ addresses: [String]) async throws {
        for address in addresses {
            _ = try await ip(["addr", "replace", "\(address)/32", "dev", interface])
        }
    }

    /// Removes each address; one that is not there is fine.
    public func remove(_ addresses: [String]) async throws {
        for address in addresses {
            _ = try await ip(["addr", "del", "\(address)/32", "dev", interface], allowFailure: true)
        }
    }

    /// The addresses on the interface now.
    public func current() async throws -> [String] {
        try await ip(["-o", "-4", "addr", "show", "dev", interface]).output.split(separator: "\n").compactMap { line in
            let fields = line.split(separator: " ")
            guard let i = fields.firstIndex(of: "inet"), i + 1 < fields.count else { return nil }
            return fields[i + 1].split(separator: "/").first.map(String.init)
        }
    }

    static let ipCandidates = ["/usr/sbin/ip", "/sbin/ip", "/usr/bin/ip", "/bin/ip"]

    private func ip(_ arguments: [String], allowFailure: Bool = false) async throws -> ProxyCommandResult {
        guard let ip = ProxyCommand.find(Self.ipCandidates) else {
            throw LocalAddressesError(description: "ip is not installed (Debian package iproute2)")
        }
        let all = (namespace.map { ["-n", $0] } ?? []) + arguments
        let result = try await ProxyCommand.run(ip, all)
        if !result.succeeded && !allowFailure {
            throw LocalAddressesError(description: "ip \(all.joined(separator: " ")) failed (exit \(result.status)): "
                + result.errorOutput.trimmingCharacters(in: .whitespacesAndNewlines))
        }
        return result
    }
}

public struct LocalAddressesError: Error, CustomStringConvertible {
    public let description: String
}
