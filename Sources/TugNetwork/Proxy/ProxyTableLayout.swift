/// The fixed part of the proxy's table (family `ip`): hook chains, helper chains, the verdict
/// maps and the NodePort address set. Laid out as kube-proxy's nftables mode: DNAT at
/// `dstnat` in prerouting and output, masquerade of marked packets at `srcnat`, and
/// reject/drop of traffic to services without endpoints in filter chains just before `filter`.
enum ProxyTableLayout {
    static let masqueradeMark = "0x4000"
    static let nodePortIPs = "nodeport-ips"

    /// Every non-service chain, with its hook when it has one.
    static let chains: [(name: String, hook: String?)] = [
        ("nat-prerouting", "type nat hook prerouting priority -100 ;"),
        ("nat-output", "type nat hook output priority -100 ;"),
        ("nat-postrouting", "type nat hook postrouting priority 100 ;"),
        ("filter-prerouting", "type filter hook prerouting priority -110 ;"),
        ("filter-input", "type filter hook input priority -110 ;"),
        ("filter-forward", "type filter hook forward priority -110 ;"),
        ("filter-output", "type filter hook output priority -110 ;"),
        ("services", nil),
        ("masquerading", nil),
        (ServiceRuleBuilder.markForMasquerade, nil),
        ("service-endpoints-check", nil),
        ("firewall-check", nil),
        ("nodeport-endpoints-check", nil),
        (ServiceRuleBuilder.rejectChain, nil),
    ]

    static var chainNames: Set<String> { Set(chains.map(\.name)) }

    /// `add` commands creating the table, chains, maps and set (no-ops where they exist).
    static func definitions(_ table: String) -> [String] {
        var lines = ["add table ip \(table) { comment \"Tugboat service proxy\" ; }"]
        for chain in chains {
            lines.append("add chain ip \(table) \(chain.name)" + (chain.hook.map { " { \($0) }" } ?? ""))
        }
        for map in ProxyMap.allCases {
            lines.append("add map ip \(table) \(map.rawValue) { type \(map.keyType) : verdict ; }")
        }
        lines.append("add set ip \(table) \(nodePortIPs) { type ipv4_addr ; }")
        return lines
    }

    /// The rules of each base chain, in order.
    static func rules(_ options: ProxyOptions) -> [(chain: String, rules: [String])] {
        let mark = masqueradeMark
        return [
            ("nat-prerouting", ["jump services"]),
            ("nat-output", ["jump services"]),
            ("nat-postrouting", ["jump masquerading"]),
            // Nothing from outside may reach 127.0.0.0/8, even with route_localnet on (CVE-2020-8558).
            ("filter-prerouting", ["iifname != \"lo\" ip daddr 127.0.0.0/8 drop", "ct state new jump firewall-check"]),
            ("filter-input", ["ct state new jump nodeport-endpoints-check", "ct state new jump service-endpoints-check"]),
            ("filter-forward", ["ct state new jump service-endpoints-check"]),
            ("filter-output", ["ct state new jump firewall-check", "ct state new jump nodeport-endpoints-check",
                               "ct state new jump service-endpoints-check"]),
            ("services", ["ip daddr . meta l4proto . th dport vmap @\(ProxyMap.serviceIPs.rawValue)",
                          "fib daddr type local ip daddr @\(nodePortIPs) meta l4proto . th dport vmap @\(ProxyMap.serviceNodePorts.rawValue)"]),
            // Localhost NodePorts: a 127.0.0.0/8 source cannot leave the node; give it the interface's address.
            ("masquerading", ["ip saddr 127.0.0.0/8 oifname != \"lo\" ct status dnat masquerade fully-random",
                              "mark and \(mark) == 0 return",
                              "mark set mark xor \(mark)",
                              "masquerade fully-random"]),
            (ServiceRuleBuilder.markForMasquerade, ["mark set mark or \(mark)"]),
            ("service-endpoints-check", ["ip daddr . meta l4proto . th dport vmap @\(ProxyMap.noEndpointServices.rawValue)"]),
            // Before DNAT (priority -110), so the destination is still the load-balancer IP.
            ("firewall-check", ["ip daddr . meta l4proto . th dport vmap @\(ProxyMap.firewallIPs.rawValue)"]),
            ("nodeport-endpoints-check",
             ["ip daddr @\(nodePortIPs) meta l4proto . th dport vmap @\(ProxyMap.noEndpointNodePorts.rawValue)"]),
            (ServiceRuleBuilder.rejectChain, ["meta l4proto tcp reject with tcp reset", "reject"]),
        ]
    }
}
