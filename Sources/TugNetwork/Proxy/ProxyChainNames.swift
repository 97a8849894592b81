/// Names of the per-service objects in the table, kube-proxy style:
/// `service-ULMVA6XW-ns/web/tcp/http`. The hash keeps names unique after the readable part is
/// sanitized; the readable part lets `nft list table` be read by people.
enum ProxyChainNames {
    /// Traffic spread over all cluster endpoints.
    static func cluster(_ port: ProxiedServicePort) -> String { name("service", port.id) }
    /// Traffic for `Local` policies: node-local endpoints only.
    static func local(_ port: ProxiedServicePort) -> String { name("local", port.id) }
    /// NodePort, externalIP and load-balancer traffic before the policy decision.
    static func external(_ port: ProxiedServicePort) -> String { name("external", port.id) }
    /// `loadBalancerSourceRanges`: drops new connections to the load-balancer IPs from elsewhere.
    static func firewall(_ port: ProxiedServicePort) -> String { name("firewall", port.id) }
    /// DNAT to one endpoint.
    static func endpoint(_ port: ProxiedServicePort, _ endpoint: ProxiedEndpoint) -> String {
        name("endpoint", port.id + "__" + endpoint.id)
    }
    /// Clients recently sent to one endpoint (session affinity).
    static func affinity(_ port: ProxiedServicePort, _ endpoint: ProxiedEndpoint) -> String {
        name("affinity", port.id + "__" + endpoint.id)
    }

    /// Prefixes of every per-service object: anything else in the table is part of the base layout.
    static let servicePrefixes = ["service-", "local-", "external-", "endpoint-", "affinity-", "firewall-"]

    static func name(_ prefix: String, _ id: String) -> String {
        let readable = String(id.map { c in c.isASCII && (c.isLetter || c.isNumber || "-_./".contains(c)) ? c : "_" }.prefix(200))
        return "\(prefix)-\(hash(prefix + ":" + id))-\(readable)"
    }

    /// Eight base32 characters of a 64-bit FNV-1a hash: stable across runs and processes.
    static func hash(_ text: String) -> String {
        var h: UInt64 = 0xcbf2_9ce4_8422_2325
        for byte in text.utf8 {
            h ^= UInt64(byte)
            h = h &* 0x100_0000_01b3
        }
        let alphabet = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZ234567")
        var out = ""
        for i in 0..<8 { out.append(alphabet[Int((h >> UInt64(59 - i * 5)) & 31)]) }
        return out
    }
}
