import Foundation
import TugAPI

/// Where a request goes.
public struct IngressRoute: Hashable, Sendable {
    public let target: IngressTarget
    /// `namespace/name` of the Ingress whose rule (or default backend) matched.
    public let ingress: String
    /// The backend's endpoints now, or why there are none.
    public let state: IngressBackendState
}

/// The routing table the proxy reads on every request: an immutable snapshot of all our
/// Ingresses' rules with their backends' ready endpoints and TLS certificates.
///
/// A request is matched against the rules of its exact host, then those of wildcard hosts
/// (`*.example.com` covers one label), then rules without a host; within each tier the
/// longest matching path wins, Exact before Prefix at equal length, and the older Ingress
/// among equals. The first tier with a matching path decides; with no match anywhere the
/// oldest Ingress's `spec.defaultBackend` serves; with none, no route (404).
public struct IngressRoutes: Sendable {
    let exactHosts: [String: [IngressPathRule]]
    let wildcardHosts: [String: [IngressPathRule]]
    let anyHost: [IngressPathRule]
    let defaultBackend: (target: IngressTarget, ingress: String)?
    /// Resolved state of every Service backend the rules name.
    public let backends: [IngressBackendRef: IngressBackendState]
    /// Certificates by SNI host for the HTTPS listener.
    public let certificates: IngressCertificates

    /// An empty table: every request gets 404.
    public static let empty = IngressRoutes(ingresses: [], backends: [:])

    /// Builds a table from compiled Ingresses (any order) and resolved backends.
    public init(ingresses: [CompiledIngress], backends: [IngressBackendRef: IngressBackendState],
                certificates: IngressCertificates = .none) {
        var exact: [String: [IngressPathRule]] = [:]
        var wildcard: [String: [IngressPathRule]] = [:]
        var any: [IngressPathRule] = []
        var fallback: (target: IngressTarget, ingress: String, age: IngressAge)?
        for ingress in ingresses {
            for hostRules in ingress.hosts {
                if hostRules.host.isEmpty {
                    any += hostRules.paths
                } else if hostRules.host.hasPrefix("*.") {
                    wildcard[String(hostRules.host.dropFirst(2)), default: []] += hostRules.paths
                } else {
                    exact[hostRules.host, default: []] += hostRules.paths
                }
            }
            if let target = ingress.defaultBackend, fallback.map({ ingress.age < $0.age }) ?? true {
                fallback = (target, ingress.key, ingress.age)
            }
        }
        exactHosts = exact.mapValues { $0.sorted(by: IngressPathRule.precedes) }
        wildcardHosts = wildcard.mapValues { $0.sorted(by: IngressPathRule.precedes) }
        anyHost = any.sorted(by: IngressPathRule.precedes)
        defaultBackend = fallback.map { ($0.target, $0.ingress) }
        self.backends = backends
        self.certificates = certificates
    }

    /// A table from rule lists already sorted by `IngressPathRule.precedes` (the builder keeps
    /// them per host, so one Ingress change re-sorts only the hosts it touches).
    init(exactHosts: [String: [IngressPathRule]], wildcardHosts: [String: [IngressPathRule]], anyHost: [IngressPathRule],
         defaultBackend: (target: IngressTarget, ingress: String)?, backends: [IngressBackendRef: IngressBackendState],
         certificates: IngressCertificates) {
        self.exactHosts = exactHosts
        self.wildcardHosts = wildcardHosts
        self.anyHost = anyHost
        self.defaultBackend = defaultBackend
        self.backends = backends
        self.certificates = certificates
    }

    private init(copying other: IngressRoutes, backends: [IngressBackendRef: IngressBackendState], certificates: IngressCertificates) {
        exactHosts = other.exactHosts
        wildcardHosts = other.wildcardHosts
        anyHost = other.anyHost
        defaultBackend = other.defaultBackend
        self.backends = backends
        self.certificates = certificates
    }

    /// The same rules with other backend states or certificates (an EndpointSlice or Secret
    /// changed): no rule is re-sorted.
    public func with(backends: [IngressBackendRef: IngressBackendState]? = nil, certificates: IngressCertificates? = nil) -> IngressRoutes {
        IngressRoutes(copying: self, backends: backends ?? self.backends, certificates: certificates ?? self.certificates)
    }

    /// The route for a request to `host` (the Host header; port and case do not matter) and
    /// `path` (query and fragment are ignored); nil when nothing matches and there is no
    /// default backend.
    public func route(host: String?, path: String) -> IngressRoute? {
        let requestPath = Self.pathOnly(path)
        let normalized = IngressHost.normalize(host ?? "")
        if !normalized.isEmpty {
            if let rules = exactHosts[normalized], let rule = rules.first(where: { $0.matches(requestPath) }) {
                return resolve(rule.target, ingress: rule.ingress)
            }
            if let domain = IngressHost.wildcardDomain(of: normalized), let rules = wildcardHosts[String(domain)],
               let rule = rules.first(where: { $0.matches(requestPath) }) {
                return resolve(rule.target, ingress: rule.ingress)
            }
        }
        if let rule = anyHost.first(where: { $0.matches(requestPath) }) {
            return resolve(rule.target, ingress: rule.ingress)
        }
        if let fallback = defaultBackend { return resolve(fallback.target, ingress: fallback.ingress) }
        return nil
    }

    func resolve(_ target: IngressTarget, ingress: String) -> IngressRoute {
        switch target {
        case .service(let ref):
            let state = backends[ref] ?? .unavailable("service \(ref.serviceKey) is not known yet")
            return IngressRoute(target: target, ingress: ingress, state: state)
        case .unsupported(let why):
            return IngressRoute(target: target, ingress: ingress, state: .unavailable(why))
        }
    }

    /// The path of a request target without `?query` or `#fragment`; `/` when empty.
    static func pathOnly(_ target: String) -> String {
        guard let end = target.firstIndex(where: { $0 == "?" || $0 == "#" }) else { return target.isEmpty ? "/" : target }
        let p = target[..<end]
        return p.isEmpty ? "/" : String(p)
    }
}
