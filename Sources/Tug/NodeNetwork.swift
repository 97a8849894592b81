import ArgumentParser
import Foundation
import Logging
import NIOCore
import ServiceLifecycle
import TugClient
import TugNetwork

/// A node's part of the pod network and of Services, as flannel, kube-proxy, CoreDNS and an
/// ingress controller do it together: routes to other nodes' pods with the pod masquerade, the
/// nftables service proxy, cluster DNS (on the DNS service address, held on loopback, and on the
/// node address) and the Ingress proxy, all where pods are real containers (CRI, as root; the
/// userspace proxy stands in without nftables). Process-runtime pods share the host's network:
/// there only the userspace proxy runs. `--disable pod-routes|service-proxy|cluster-dns|ingress`
/// turns one off.
struct NodeNetwork {
    var services: [any Service] = []
    var description: String
    /// The node masquerades pod traffic leaving the cluster's pod network itself (so the CNI
    /// bridge must not masquerade traffic to other nodes' pods).
    var masqueradesPods = false

    static let components = ["pod-routes", "service-proxy", "cluster-dns", "ingress"]

    /// `controlPlane`: this is `tug server`'s own node, whose Ingress controller writes the
    /// Ingresses' status (one writer for the cluster).
    static func make(options: AgentOptions, client: APIClient, realContainers: Bool, clusterCIDR: String, controlPlane: Bool,
                     logger: Logger) async throws -> NodeNetwork {
        let disabled = Set(options.disable)
        let nodeName = options.resolvedNodeName
        let nodeIP = try options.resolvedNodeIP()
        guard realContainers else {
            // Pods share the host's network: NodePorts (and, as root, ClusterIPs on lo) through the userspace proxy.
            guard !disabled.contains("service-proxy") else { return NodeNetwork(description: "no Service plumbing (all disabled)") }
            let proxy = try userspaceProxy(client: client, nodeName: nodeName, nodeIP: nodeIP, clusterCIDR: clusterCIDR,
                                           clusterDNSIP: options.resolvedClusterDNS.first)
            return NodeNetwork(services: [proxy.service], description: proxy.description)
        }
        guard getuid() == 0 else { return NodeNetwork(description: "no Service plumbing (it needs root)") }
        var network = NodeNetwork(description: "")
        var parts: [String] = []
        let local = LocalAddresses()
        var proxy: ServiceProxy?
        let nftables = await NFTables.isAvailable()

        if !disabled.contains("pod-routes") {
            guard let ip = ProxyIPv4(nodeIP) else { throw ValidationError("--node-ip \(nodeIP) is not an IPv4 address") }
            let backend = options.podNetworkBackend
            let table = PodRouteTable(nodeName: nodeName, nodeIP: ip, backend: backend, host: try IPRouteHost(),
                                      vxlanPort: options.vxlanPort, logger: Logger(label: "tug.podnet"))
            // Without nftables the CNI bridge keeps masquerading (then also towards other nodes' pods).
            let masquerade = nftables ? try PodMasquerade(clusterCIDR: clusterCIDR, runner: try NFTables()) : nil
            network.masqueradesPods = masquerade != nil
            network.services.append(PodRouteController(client: client, table: table, masquerade: masquerade,
                                                       logger: Logger(label: "tug.podnet")))
            parts.append("pod routes (\(backend.rawValue))" + (masquerade.map { ", pod masquerade (nftables table \($0.tableName))" } ?? ""))
        }
        if !disabled.contains("service-proxy") && !nftables {
            let fallback = try userspaceProxy(client: client, nodeName: nodeName, nodeIP: nodeIP, clusterCIDR: clusterCIDR,
                                              clusterDNSIP: disabled.contains("cluster-dns") ? nil : options.resolvedClusterDNS.first)
            network.services.append(fallback.service)
            parts.append(fallback.description + " (nftables is not usable here: apt-get install nftables)")
        } else if !disabled.contains("service-proxy") {
            // The node serves the DNS address itself; without our DNS, whatever backs kube-dns is proxied as usual.
            let dnsIP = disabled.contains("cluster-dns") ? nil : options.resolvedClusterDNS.first
            let p = try ServiceProxy(client: client, nodeName: nodeName, nodeIPs: [nodeIP], clusterCIDR: clusterCIDR,
                                     clusterDNSIP: dnsIP, logger: Logger(label: "tug.proxy"))
            proxy = p
            network.services.append(p)
            parts.append("service proxy (nftables table \(p.options.tableName))")
        }
        var dnsAddresses: [String] = []
        if !disabled.contains("cluster-dns") {
            dnsAddresses = options.resolvedClusterDNS
            try await local.add(dnsAddresses)
            var listen = try dnsAddresses.map { try SocketAddress(ipAddress: $0, port: 53) }
            if !dnsAddresses.contains(nodeIP) { listen.append(try SocketAddress(ipAddress: nodeIP, port: 53)) }
            let dns = try ClusterDNSService(client: client, listen: listen, clusterDomain: options.clusterDomain,
                                            logger: Logger(label: "tug.dns"))
            network.services.append(dns)
            parts.append("cluster DNS on \(listen.compactMap(\.ipAddress).joined(separator: ", ")) port 53")
        }
        if !disabled.contains("ingress") {
            let https = options.ingressHTTPSPort == 0 ? nil : IngressController.ListenAddress(host: nodeIP, port: options.ingressHTTPSPort)
            let ingress = IngressController(client: client, nodeIPs: [nodeIP],
                                            httpAddress: .init(host: nodeIP, port: options.ingressHTTPPort), httpsAddress: https,
                                            writesStatus: controlPlane, logger: Logger(label: "tug.ingress"))
            network.services.append(ingress)
            parts.append("Ingress on \(nodeIP):\(options.ingressHTTPPort)" + (https.map { " and TLS on \($0.port)" } ?? ""))
        }
        // Stops after the others (the group stops in reverse order): the DNS address and the
        // proxy's table go when the node does.
        network.services.insert(HostNetworkCleanup(local: local, addresses: dnsAddresses, proxy: proxy, logger: logger), at: 0)
        network.description = parts.isEmpty ? "no Service plumbing (all disabled)" : parts.joined(separator: "; ")
        return network
    }
}

extension NodeNetwork {
    /// The userspace service proxy: NodePorts on the node address and, as root, ClusterIPs held
    /// on `lo`. `clusterDNSIP` is left alone: the node's own DNS serves it, or (process runtime)
    /// nothing does, and not touching it keeps another node's DNS address on a shared `lo`.
    static func userspaceProxy(client: APIClient, nodeName: String, nodeIP: String, clusterCIDR: String,
                               clusterDNSIP: String?) throws -> (service: any Service, description: String) {
        let root = getuid() == 0
        let proxy = try UserspaceProxy(client: client, nodeName: nodeName, nodeIPs: [nodeIP], clusterCIDR: clusterCIDR,
                                       clusterDNSIP: clusterDNSIP, clusterIPs: root,
                                       logger: Logger(label: "tug.proxy"))
        return (proxy, "userspace service proxy (NodePorts on \(nodeIP)" + (root ? ", ClusterIPs on lo)" : "; ClusterIPs need root)"))
    }
}

/// Waits for shutdown, then removes what the node put on the host for Services.
struct HostNetworkCleanup: Service {
    let local: LocalAddresses
    let addresses: [String]
    let proxy: ServiceProxy?
    let logger: Logger

    func run() async throws {
        try? await gracefulShutdown()
        do { try await local.remove(addresses) } catch { logger.warning("removing the cluster DNS address: \(error)") }
        if let proxy {
            do { try await proxy.cleanup() } catch { logger.warning("removing the service proxy's nftables table: \(error)") }
        }
    }
}
