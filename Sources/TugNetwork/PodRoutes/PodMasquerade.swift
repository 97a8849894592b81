/// Source NAT for pods' traffic that leaves the pod network, in an nftables table of its own:
/// pod-to-pod traffic between nodes keeps the pod's address (the Kubernetes network model),
/// traffic to anywhere else leaves with the node's. The CNI bridge's own `ipMasq` would also
/// rewrite traffic to other nodes' pods, so the node turns that off when this table is in use.
public struct PodMasquerade: Sendable {
    public static let defaultTableName = "tugboat-pods"

    public let clusterCIDR: ProxyIPv4CIDR
    public let tableName: String
    let runner: any NFTRunner

    public init(clusterCIDR: String, tableName: String = PodMasquerade.defaultTableName, runner: any NFTRunner) throws {
        try ProxyOptions.checkTableName(tableName)
        self.clusterCIDR = try ProxyIPv4CIDR(clusterCIDR)
        self.tableName = tableName
        self.runner = runner
    }

    /// The whole table, replacing any earlier version in one transaction.
    public var script: String {
        """
        add table ip \(tableName)
        delete table ip \(tableName)
        table ip \(tableName) {
        \tchain postrouting {
        \t\ttype nat hook postrouting priority srcnat; policy accept;
        \t\tip saddr \(clusterCIDR) ip daddr != \(clusterCIDR) ip daddr != 224.0.0.0/4 masquerade
        \t}
        }

        """
    }

    public func apply() async throws { try await runner.apply(script) }

    /// Deletes the table; absent is fine.
    public func remove() async throws {
        try await runner.apply("add table ip \(tableName)\ndelete table ip \(tableName)\n")
    }
}
