/// What the proxy needs to know about this node and the cluster, checked once at start.
public struct ProxyOptions: Sendable, Hashable {
    /// Endpoints whose `nodeName` is this are local (for the `Local` traffic policies).
    public var nodeName: String
    /// Addresses that answer NodePorts (and, with 127.0.0.1 among them, localhost NodePorts).
    public var nodeIPs: [ProxyIPv4]
    /// Pod addresses: traffic from elsewhere to a ClusterIP is masqueraded so replies come back here.
    public var clusterCIDR: ProxyIPv4CIDR
    /// The service on this ClusterIP is skipped: the node answers DNS on that address itself.
    public var clusterDNSIP: ProxyIPv4?
    /// The one nftables table (family `ip`) the proxy owns.
    public var tableName: String

    public static let defaultClusterCIDR = "10.42.0.0/16"
    public static let defaultClusterDNSIP = "10.43.0.10"
    public static let defaultTableName = "tugboat"

    /// Throws a `ProxyConfigError` naming the bad value.
    public init(nodeName: String, nodeIPs: [String], clusterCIDR: String = defaultClusterCIDR,
                clusterDNSIP: String? = defaultClusterDNSIP, tableName: String = defaultTableName) throws {
        guard !nodeName.isEmpty else { throw ProxyConfigError("the node name is empty; give this node's name") }
        var ips: [ProxyIPv4] = []
        for text in nodeIPs {
            guard let ip = ProxyIPv4(text) else {
                throw ProxyConfigError("node IP '\(text)' is not an IPv4 address (the nftables proxy is IPv4 only)")
            }
            if !ips.contains(ip) { ips.append(ip) }
        }
        var dnsIP: ProxyIPv4?
        if let clusterDNSIP, !clusterDNSIP.isEmpty {
            guard let ip = ProxyIPv4(clusterDNSIP) else {
                throw ProxyConfigError("cluster DNS IP '\(clusterDNSIP)' is not an IPv4 address")
            }
            dnsIP = ip
        }
        try Self.checkTableName(tableName)
        self.nodeName = nodeName
        self.nodeIPs = ips
        self.clusterCIDR = try ProxyIPv4CIDR(clusterCIDR)
        self.clusterDNSIP = dnsIP
        self.tableName = tableName
    }

    /// Whether NodePorts must answer on 127.0.0.1 (needs `route_localnet`).
    public var servesLocalhostNodePorts: Bool { nodeIPs.contains(where: \.isLoopback) }

    /// A name nft accepts unquoted and that cannot smuggle anything into a script.
    static func checkTableName(_ name: String) throws {
        guard let first = name.first, first.isASCII, first.isLetter, name.count <= 64,
              name.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "_" || $0 == "-") }) else {
            throw ProxyConfigError("table name '\(name)' must start with a letter and hold only letters, digits, '_' and '-' (at most 64)")
        }
    }
}
