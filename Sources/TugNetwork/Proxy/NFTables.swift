import Foundation

/// What the proxy needs from nftables; tests inject a recorder, production uses `NFTables`.
public protocol NFTRunner: Sendable {
    /// Applies `script` (nft syntax) as one transaction; throws with nft's message when rejected.
    func apply(_ script: String) async throws
    /// `nft -j -t list table ip NAME`, or nil when there is no such table.
    func listTable(_ name: String) async throws -> String?
    /// Sets `net.ipv4.conf.all.route_localnet=1` so DNAT of 127.0.0.1 to other hosts is routed.
    func enableRouteLocalnet() async throws
}

/// Debian's `nft` command: one `nft -f -` per transaction, optionally inside a named network
/// namespace (`ip netns add NAME`), which keeps tests and benchmarks off the host's tables.
public struct NFTables: NFTRunner {
    /// Run in this network namespace (`/var/run/netns/NAME`) instead of the caller's.
    public let networkNamespace: String?
    let nftPath: String
    let ipPath: String?

    static let nftCandidates = ["/usr/sbin/nft", "/sbin/nft", "/usr/bin/nft"]
    static let ipCandidates = ["/usr/sbin/ip", "/sbin/ip", "/usr/bin/ip", "/bin/ip"]

    public init(networkNamespace: String? = nil) throws {
        guard let nft = ProxyCommand.find(Self.nftCandidates) else {
            throw ProxyConfigError("nft is not installed (Debian: apt-get install nftables)")
        }
        if let networkNamespace {
            guard !networkNamespace.isEmpty, !networkNamespace.contains("/"), networkNamespace != ".", networkNamespace != ".." else {
                throw ProxyConfigError("network namespace name '\(networkNamespace)' is not a plain name")
            }
            guard ProxyCommand.find(Self.ipCandidates) != nil else {
                throw ProxyConfigError("running nft in a network namespace needs iproute2's ip (Debian: apt-get install iproute2)")
            }
        }
        self.networkNamespace = networkNamespace
        self.nftPath = nft
        self.ipPath = ProxyCommand.find(Self.ipCandidates)
    }

    /// Whether nftables can be used here: `nft` is installed, we may change the ruleset, and the
    /// kernel has what the proxy's table needs (NAT chains, fib, numgen, verdict maps). Checked with
    /// a dry-run transaction that changes nothing. Callers fall back to the userspace proxy on false.
    public static func isAvailable(networkNamespace: String? = nil) async -> Bool {
        guard let nft = try? NFTables(networkNamespace: networkNamespace),
              let options = try? ProxyOptions(nodeName: "probe", nodeIPs: ["127.0.0.1"], tableName: "tugboat-probe") else { return false }
        var probe = ProxiedServicePort(serviceKey: "probe/probe", portName: "", proto: .tcp, port: 80, clusterIP: ProxyIPv4(0x0A2B_0001),
                                       nodePort: 30000, externalIPs: [], loadBalancerIPs: [], externalPolicyLocal: false,
                                       internalPolicyLocal: false, affinityTimeoutSeconds: 10)
        probe.externalPolicyLocal = true
        let endpoint = ProxiedEndpoint(ip: ProxyIPv4(0x0A2A_0002), port: 80, ready: true, serving: true, terminating: false, isLocal: true)
        let rules = ServiceRuleBuilder.rules(port: probe, endpoints: [endpoint], options: options)
        let script = ProxyScript.full(options, services: [rules], existing: .init(), recreate: false)
        guard let result = try? await nft.run(["-c", "-f", "-"], input: script) else { return false }
        return result.succeeded
    }

    public func apply(_ script: String) async throws {
        let result = try await run(["-f", "-"], input: script)
        guard result.succeeded else { throw NFTError(script: script, message: result.errorOutput) }
    }

    public func listTable(_ name: String) async throws -> String? {
        let result = try await run(["-j", "-t", "list", "table", "ip", name])
        if result.succeeded { return result.output }
        if result.errorOutput.contains("No such file or directory") { return nil }
        throw NFTError(script: "list table ip \(name)", message: result.errorOutput)
    }

    public func enableRouteLocalnet() async throws {
        let key = "/proc/sys/net/ipv4/conf/all/route_localnet"
        if let networkNamespace, let ipPath {
            let result = try await ProxyCommand.run(ipPath, ["netns", "exec", networkNamespace, "sh", "-c", "echo 1 > \(key)"])
            guard result.succeeded else {
                throw ProxyConfigError("cannot set route_localnet in network namespace \(networkNamespace): \(result.errorOutput)")
            }
            return
        }
        do {
            try "1\n".write(toFile: key, atomically: false, encoding: .utf8)
        } catch {
            throw ProxyConfigError("cannot set \(key) (needed for NodePorts on 127.0.0.1; run as root): \(error)")
        }
    }

    func run(_ arguments: [String], input: String? = nil) async throws -> ProxyCommandResult {
        if let networkNamespace, let ipPath {
            return try await ProxyCommand.run(ipPath, ["netns", "exec", networkNamespace, nftPath] + arguments, input: input)
        }
        return try await ProxyCommand.run(nftPath, arguments, input: input)
    }
}

/// nft refused a transaction (nothing of it was applied).
public struct NFTError: Error, CustomStringConvertible, Sendable {
    public let script: String
    public let message: String
    public var description: String {
        "nft rejected the transaction: \(message.trimmingCharacters(in: .whitespacesAndNewlines))"
    }
}
