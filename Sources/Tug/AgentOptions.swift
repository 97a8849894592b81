import ArgumentParser
import Foundation
import Logging
import TugAgent
import TugAPIServer
import TugRuntime
import TugContainerd
import TugNetwork

/// The node agent's flags, shared by `tug agent` and `tug server` (which runs an agent for
/// its own machine unless `--no-agent`).
struct AgentOptions: ParsableArguments {
    @Option(help: "Container runtime: auto, process, cri or simulated.") var runtime = "auto"
    @Option(help: "This node's name (default: the host name).") var nodeName: String?
    @Option(help: "This node's InternalIP (default: the address of the default route's interface).") var nodeIP: String?
    @Option(help: "Port of the agent's server for logs, exec, attach and port-forward (0 picks a free one).") var kubeletPort = 10250
    @Option(name: .customLong("container-runtime-endpoint"),
            help: "The CRI runtime's socket (default unix:///run/containerd/containerd.sock; with --start-containerd, one under the data dir).")
    var containerRuntimeEndpoint: String?
    @Flag(help: "Run this node's own containerd (config, state and logs under the data dir), started and stopped with the node.")
    var startContainerd = false
    @Option(name: .customLong("insecure-registry"),
            help: "A registry (HOST:PORT) containerd pulls from over plain HTTP; repeatable (default 127.0.0.1:5000).")
    var insecureRegistries: [String] = []
    @Option(name: .customLong("cni-conf-dir"), help: "Where the node's CNI config is written (default: containerd's conf dir).")
    var cniConfDir: String?
    @Option(name: .customLong("cluster-dns"), help: "The cluster DNS address pods with dnsPolicy ClusterFirst use; repeatable (default 10.43.0.10).")
    var clusterDNS: [String] = []
    @Option(help: "The cluster's DNS domain.") var clusterDomain = "cluster.local"
    @Option(help: "The resolver file pods with dnsPolicy Default copy.") var resolvConf = "/etc/resolv.conf"
    @Option(help: "Leave out part of the node's network plumbing: pod-routes, service-proxy, cluster-dns or ingress; repeatable.")
    var disable: [String] = []
    @Option(help: "How pods reach other nodes' pods: auto (host-gw to nodes on a shared link, VXLAN to the rest), host-gw or vxlan.")
    var podNetworkBackend: PodNetworkBackend = .auto
    @Option(name: .customLong("vxlan-port"), help: "UDP port of the pod network's VXLAN (the same on every node).")
    var vxlanPort = VXLANDevice.defaultPort
    @Option(help: "Port of the node's Ingress proxy (HTTP) on the node address.") var ingressHTTPPort = 80
    @Option(help: "Port of the node's Ingress proxy over TLS (0 serves no TLS).") var ingressHTTPSPort = 443
    @Option(name: .customLong("image-gc-high-threshold"), help: "Image disk use (percent) above which unused images are removed.")
    var imageGCHighThreshold = 85
    @Option(name: .customLong("image-gc-low-threshold"), help: "Image disk use (percent) image garbage collection frees down to.")
    var imageGCLowThreshold = 80

    func validate() throws {
        guard ["auto", "process", "cri", "simulated"].contains(runtime) else {
            throw ValidationError("--runtime must be auto, process, cri or simulated, got \"\(runtime)\"")
        }
        guard (0...65535).contains(kubeletPort) else { throw ValidationError("--kubelet-port must be 0–65535") }
        if let ip = nodeIP, !NodeAddress.isIPv4(ip) {
            throw ValidationError("--node-ip must be an IPv4 address like 127.0.0.1, got \"\(ip)\"")
        }
        if startContainerd && (runtime == "process" || runtime == "simulated") {
            throw ValidationError("--start-containerd runs containers through CRI: use it with --runtime auto or cri, not \(runtime)")
        }
        guard (1...65535).contains(vxlanPort) else { throw ValidationError("--vxlan-port must be 1–65535") }
        guard (1...65535).contains(ingressHTTPPort), (0...65535).contains(ingressHTTPSPort) else {
            throw ValidationError("--ingress-http-port must be 1–65535 and --ingress-https-port 0–65535")
        }
        for part in disable where !NodeNetwork.components.contains(part) {
            throw ValidationError("--disable takes \(NodeNetwork.components.joined(separator: ", ")), got \"\(part)\"")
        }
        for ip in clusterDNS where !NodeAddress.isIPv4(ip) {
            throw ValidationError("--cluster-dns must be an IPv4 address like 10.43.0.10, got \"\(ip)\"")
        }
        guard (1...100).contains(imageGCHighThreshold), (0..<imageGCHighThreshold).contains(imageGCLowThreshold) else {
            throw ValidationError("--image-gc-high-threshold must be 1–100 and --image-gc-low-threshold 0 or more and below it")
        }
        for registry in insecureRegistries {
            do {
                _ = try RegistryHosts.registryHost(registry)
            } catch {
                throw ValidationError("--insecure-registry \(registry): \(error)")
            }
        }
    }

    /// `--insecure-registry` values, or the loopback registry the test fixtures use.
    var resolvedInsecureRegistries: [String] { insecureRegistries.isEmpty ? ["127.0.0.1:5000"] : insecureRegistries }

    /// `--cluster-dns` values, or the service CIDR's `.10`, where each node serves cluster DNS.
    var resolvedClusterDNS: [String] { clusterDNS.isEmpty ? ["10.43.0.10"] : clusterDNS }

    var resolvedNodeName: String {
        (nodeName ?? ProcessInfo.processInfo.hostName).lowercased()
    }

    func resolvedNodeIP() throws -> String {
        if let ip = nodeIP { return ip }
        guard let ip = NodeAddress.defaultRouteAddress() else {
            throw ValidationError("could not find this machine's address (no default route); pass --node-ip")
        }
        return ip
    }
}

extension AgentOptions {
    /// `tug-shim`, which the process runtime starts for each container: next to this `tug` binary
    /// (both are built and installed together), or `TUG_SHIM` when set.
    static func shimExecutable() throws -> String {
        if let path = ProcessInfo.processInfo.environment["TUG_SHIM"] { return path }
        let tug = (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe")) ?? CommandLine.arguments[0]
        let shim = (tug as NSString).deletingLastPathComponent + "/tug-shim"
        guard FileManager.default.isExecutableFile(atPath: shim) else {
            throw ValidationError("the process runtime needs tug-shim next to tug (\(shim) is missing): install both binaries from the "
                + "same build, or set TUG_SHIM to its path")
        }
        return shim
    }
}

/// The node's default address: the IPv4 address of the interface the default route uses.
enum NodeAddress {
    static func isIPv4(_ s: String) -> Bool {
        var addr = in_addr()
        return inet_pton(AF_INET, s, &addr) == 1
    }

    static func defaultRouteAddress() -> String? {
        guard let table = try? String(contentsOfFile: "/proc/net/route", encoding: .utf8) else { return nil }
        var interface: String?
        for line in table.split(separator: "\n").dropFirst() {
            let f = line.split(whereSeparator: { $0 == "\t" || $0 == " " })
            if f.count > 2, f[1] == "00000000" { interface = String(f[0]); break }
        }
        guard let iface = interface else { return nil }
        var list: UnsafeMutablePointer<ifaddrs>?
        guard getifaddrs(&list) == 0 else { return nil }
        defer { freeifaddrs(list) }
        var p = list
        while let cur = p {
            defer { p = cur.pointee.ifa_next }
            guard let sa = cur.pointee.ifa_addr, sa.pointee.sa_family == sa_family_t(AF_INET),
                  String(cString: cur.pointee.ifa_name) == iface else { continue }
            var buf = [CChar](repeating: 0, count: Int(INET_ADDRSTRLEN))
            var sin = UnsafeRawPointer(sa).load(as: sockaddr_in.self)
            inet_ntop(AF_INET, &sin.sin_addr, &buf, socklen_t(INET_ADDRSTRLEN))
            return String(cString: buf)
        }
        return nil
    }
}

extension PodNetworkBackend: ExpressibleByArgument {}
