import Foundation
import TugAPI

/// One Ingress turned into matchable rules: compiled once per change of that Ingress, so a
/// change elsewhere (another Ingress, an EndpointSlice) never re-reads it.
public struct CompiledIngress: Hashable, Sendable {
    /// The rules of one host (`""` for rules without a host; `*.example.com` for wildcards).
    public struct HostRules: Hashable, Sendable {
        public let host: String
        public let paths: [IngressPathRule]
    }

    /// A `spec.tls` entry: the hosts it covers (empty: any host) and its Secret `namespace/name`.
    public struct TLSEntry: Hashable, Sendable {
        public let hosts: [String]
        public let secretKey: String
    }

    public let key: String
    public let age: IngressAge
    public let hosts: [HostRules]
    public let defaultBackend: IngressTarget?
    public let tls: [TLSEntry]

    public init(_ ingress: NetworkingV1.Ingress) {
        let namespace = ingress.metadata.namespace ?? "default"
        let age = IngressAge(ingress)
        key = age.key
        self.age = age
        let spec = ingress.spec ?? NetworkingV1.IngressSpec()
        var byHost: [String: [IngressPathRule]] = [:]
        var order: [String] = []
        for rule in spec.rules ?? [] {
            let host = IngressHost.normalize(rule.host ?? "")
            let paths = (rule.http?.paths ?? []).compactMap { IngressPathRule($0, namespace: namespace, ingress: age.key, age: age) }
            if byHost[host] == nil { order.append(host) }
            byHost[host, default: []].append(contentsOf: paths)
        }
        hosts = order.map { HostRules(host: $0, paths: byHost[$0] ?? []) }
        defaultBackend = spec.defaultBackend.map { IngressTarget($0, namespace: namespace) }
        tls = (spec.tls ?? []).compactMap { entry in
            guard let secret = entry.secretName, !secret.isEmpty else { return nil }
            return TLSEntry(hosts: (entry.hosts ?? []).map { IngressHost.normalize($0) }, secretKey: "\(namespace)/\(secret)")
        }
    }

    /// The Service backends the Ingress uses.
    public var backendRefs: Set<IngressBackendRef> {
        var refs: Set<IngressBackendRef> = []
        for host in hosts { for p in host.paths { if case .service(let r) = p.target { refs.insert(r) } } }
        if case .service(let r)? = defaultBackend { refs.insert(r) }
        return refs
    }
}

/// Host names as the proxy compares them: lower case, no port, no trailing dot.
public enum IngressHost {
    public static func normalize(_ host: String) -> String {
        var h = Substring(host)
        if h.hasPrefix("[") {
            // [v6]:port
            if let close = h.firstIndex(of: "]") { h = h[h.startIndex...close] }
        } else if let colon = h.firstIndex(of: ":"), h[h.index(after: colon)...].allSatisfy(\.isNumber) {
            h = h[..<colon]
        }
        while h.hasSuffix(".") { h = h.dropLast() }
        return h.lowercased()
    }

    /// The domain a wildcard rule would need to cover `host` (`a.example.com` -> `example.com`):
    /// a wildcard matches exactly one label.
    public static func wildcardDomain(of host: String) -> Substring? {
        guard let dot = host.firstIndex(of: "."), dot != host.startIndex else { return nil }
        let rest = host[host.index(after: dot)...]
        return rest.isEmpty ? nil : rest
    }
}
