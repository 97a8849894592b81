import Foundation
import TugAPI
import TugRuntime

/// The resolv.conf each pod gets, as kubelet forms it from `dnsPolicy` and `dnsConfig`:
/// ClusterFirst points at the cluster DNS with the namespace's search path and `ndots:5`,
/// Default copies the node's resolv.conf, None starts empty; `dnsConfig` adds servers and
/// searches and overrides options by name. Over-long lists are cut with a warning, as kubelet's
/// `DNSConfigForming` Event says.
public struct PodDNS: Sendable {
    /// The cluster DNS addresses (kubelet's `--cluster-dns`); empty when the cluster has none.
    public var clusterDNS: [String]
    public var clusterDomain: String
    /// The node's resolver settings, for `Default` and the tail of ClusterFirst's search path.
    public var host: ResolvConf

    public static let maxNameservers = 3
    public static let maxSearchPaths = 32
    public static let maxSearchLength = 2048

    public init(clusterDNS: [String], clusterDomain: String = "cluster.local", host: ResolvConf) {
        self.clusterDNS = clusterDNS
        self.clusterDomain = clusterDomain
        self.host = host
    }

    /// The settings for `pod`, or nil when the runtime should leave the pod's resolv.conf alone
    /// (host-network pods under Default share the node's file). Warnings name what was cut.
    public func config(for pod: CoreV1.Pod) -> (config: DNSConfig?, warnings: [String]) {
        let spec = pod.spec ?? CoreV1.PodSpec()
        let hostNetwork = spec.hostNetwork ?? false
        var policy = spec.dnsPolicy ?? "ClusterFirst"
        var warnings: [String] = []
        if policy == "ClusterFirstWithHostNet" { policy = "ClusterFirst" }
        else if policy == "ClusterFirst" && hostNetwork { policy = "Default" }
        if policy == "ClusterFirst" && clusterDNS.isEmpty {
            warnings.append("pod: \"\(pod.metadata.name ?? "")_\(pod.metadata.namespace ?? "")(\(pod.metadata.uid ?? ""))\". kubelet does not have ClusterDNS IP configured and cannot create Pod using \"ClusterFirst\" policy. Falling back to \"Default\" policy.")
            policy = "Default"
        }
        var servers: [String], searches: [String], options: [String]
        switch policy {
        case "ClusterFirst":
            let ns = pod.metadata.namespace ?? "default"
            servers = clusterDNS
            searches = ["\(ns).svc.\(clusterDomain)", "svc.\(clusterDomain)", clusterDomain] + host.searches
            options = ["ndots:5"]
        case "None":
            servers = []
            searches = []
            options = []
        default:
            if hostNetwork && spec.dnsConfig == nil { return (nil, warnings) }
            servers = host.nameservers
            searches = host.searches
            options = host.options
        }
        if let extra = spec.dnsConfig {
            for s in extra.nameservers ?? [] where !servers.contains(s) { servers.append(s) }
            for s in extra.searches ?? [] where !searches.contains(s) { searches.append(s) }
            options = Self.merge(options, (extra.options ?? []).map { o in o.value.map { "\(o.name ?? ""):\($0)" } ?? (o.name ?? "") })
        }
        if servers.count > Self.maxNameservers {
            servers = Array(servers.prefix(Self.maxNameservers))
            warnings.append("Nameserver limits were exceeded, some nameservers have been omitted, the applied nameserver line is: \(servers.joined(separator: " "))")
        }
        let cut = Self.limit(searches)
        if cut.count < searches.count {
            warnings.append("Search Line limits were exceeded, some search paths have been omitted, the applied search line is: \(cut.joined(separator: " "))")
        }
        return (DNSConfig(servers: servers, searches: cut, options: options), warnings)
    }

    /// At most 32 search paths and 2048 characters in all, dropping from the end.
    static func limit(_ searches: [String]) -> [String] {
        var out: [String] = []
        var length = 0
        for s in searches.prefix(maxSearchPaths) {
            let next = length + (out.isEmpty ? 0 : 1) + s.count
            if next > maxSearchLength { break }
            out.append(s)
            length = next
        }
        return out
    }

    /// `base` with each option of `overrides` replacing the one of the same name (`ndots:2`
    /// replaces `ndots:5`), new ones appended.
    static func merge(_ base: [String], _ overrides: [String]) -> [String] {
        func name(_ o: String) -> Substring { o.split(separator: ":", maxSplits: 1).first ?? Substring(o) }
        var out = base
        for o in overrides where !o.isEmpty {
            if let i = out.firstIndex(where: { name($0) == name(o) }) { out[i] = o } else { out.append(o) }
        }
        return out
    }
}

/// The parts of a resolv.conf kubelet reads: nameserver, search (and domain), options.
public struct ResolvConf: Sendable, Equatable {
    public var nameservers: [String] = []
    public var searches: [String] = []
    public var options: [String] = []

    public init(nameservers: [String] = [], searches: [String] = [], options: [String] = []) {
        self.nameservers = nameservers
        self.searches = searches
        self.options = options
    }

    public init(parsing text: String) {
        for line in text.split(whereSeparator: \.isNewline) {
            let fields = line.split(whereSeparator: { $0 == " " || $0 == "\t" }).map(String.init)
            guard let key = fields.first, !key.hasPrefix("#"), !key.hasPrefix(";") else { continue }
            let values = Array(fields.dropFirst())
            switch key {
            case "nameserver": nameservers += values.prefix(1)
            case "search", "domain": searches = values
            case "options": options += values
            default: continue
            }
        }
    }

    /// The node's `/etc/resolv.conf`; empty when it cannot be read.
    public static func load(path: String = "/etc/resolv.conf") -> ResolvConf {
        (try? String(contentsOfFile: path, encoding: .utf8)).map(ResolvConf.init(parsing:)) ?? ResolvConf()
    }
}
