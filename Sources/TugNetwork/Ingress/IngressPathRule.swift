import Foundation
import TugAPI

/// How an Ingress names a Service port: by number or by the Service port's name.
public enum IngressBackendPort: Hashable, Sendable, CustomStringConvertible {
    case number(Int)
    case name(String)

    public var description: String {
        switch self {
        case .number(let n): return String(n)
        case .name(let s): return s
        }
    }
}

/// A Service backend as an Ingress names it (the Ingress's namespace, the Service, the port).
public struct IngressBackendRef: Hashable, Sendable, CustomStringConvertible {
    public var namespace: String
    public var service: String
    public var port: IngressBackendPort

    public init(namespace: String, service: String, port: IngressBackendPort) {
        self.namespace = namespace
        self.service = service
        self.port = port
    }

    /// `namespace/service`: the key of the Service in an informer.
    public var serviceKey: String { "\(namespace)/\(service)" }

    public var description: String { "\(namespace)/\(service):\(port)" }
}

/// A backend of an Ingress path: a Service, or something else we cannot forward to (a
/// `resource` backend, or a service backend without a port), kept so the proxy can say why.
public enum IngressTarget: Hashable, Sendable {
    case service(IngressBackendRef)
    case unsupported(String)

    init(_ backend: NetworkingV1.IngressBackend?, namespace: String) {
        guard let backend else { self = .unsupported("the Ingress path has no backend"); return }
        if let svc = backend.service, let name = svc.name, !name.isEmpty {
            if let number = svc.port?.number, number > 0 {
                self = .service(IngressBackendRef(namespace: namespace, service: name, port: .number(number)))
            } else if let portName = svc.port?.name, !portName.isEmpty {
                self = .service(IngressBackendRef(namespace: namespace, service: name, port: .name(portName)))
            } else {
                self = .unsupported("backend service \(namespace)/\(name) names no port")
            }
        } else if let resource = backend.resource {
            self = .unsupported("resource backends (\(resource.kind ?? "") \(resource.name ?? "")) are not served by the tugboat ingress controller")
        } else {
            self = .unsupported("the Ingress backend names neither a service nor a resource")
        }
    }
}

/// One path of an Ingress rule, ready to match request paths.
///
/// Matching follows the Ingress spec: `Exact` compares the whole path, case-sensitively;
/// `Prefix` compares `/`-separated elements, so `/foo` matches `/foo`, `/foo/` and `/foo/bar`
/// but not `/foobar`, and a trailing `/` on either side is ignored. `ImplementationSpecific` is
/// treated as `Prefix`.
public struct IngressPathRule: Hashable, Sendable {
    public enum Kind: Hashable, Sendable { case exact, prefix }

    public let kind: Kind
    /// For `exact` the path as written; for `prefix` the path without its trailing `/` (the
    /// root `/` becomes the empty string, which every path extends).
    public let path: String
    public let target: IngressTarget
    /// `namespace/name` of the Ingress the rule comes from, for logs and tie-breaks.
    public let ingress: String
    /// Position of the Ingress in creation order: among equally good matches the older wins.
    public let age: IngressAge

    public init(kind: Kind, path: String, target: IngressTarget, ingress: String, age: IngressAge) {
        self.kind = kind
        switch kind {
        case .exact:
            self.path = path.isEmpty ? "/" : path
        case .prefix:
            var p = Substring(path)
            while p.hasSuffix("/") { p = p.dropLast() }
            self.path = String(p)
        }
        self.target = target
        self.ingress = ingress
        self.age = age
    }

    /// The rule for one `HTTPIngressPath` (nil for a path type we do not know).
    init?(_ p: NetworkingV1.HTTPIngressPath, namespace: String, ingress: String, age: IngressAge) {
        let kind: Kind
        switch p.pathType ?? "ImplementationSpecific" {
        case "Exact": kind = .exact
        case "Prefix", "ImplementationSpecific": kind = .prefix
        default: return nil
        }
        var path = p.path ?? "/"
        if path.isEmpty { path = "/" }
        self.init(kind: kind, path: path, target: IngressTarget(p.backend, namespace: namespace), ingress: ingress, age: age)
    }

    /// Whether `requestPath` (the path alone, no query) matches this rule.
    public func matches(_ requestPath: String) -> Bool {
        switch kind {
        case .exact:
            return requestPath == path
        case .prefix:
            let request = requestPath.utf8, prefix = path.utf8
            guard request.starts(with: prefix) else { return false }
            if request.count == prefix.count { return true }
            return request[request.index(request.startIndex, offsetBy: prefix.count)] == UInt8(ascii: "/")
        }
    }

    /// Longest path first; at equal length Exact before Prefix; then the older Ingress.
    static func precedes(_ a: IngressPathRule, _ b: IngressPathRule) -> Bool {
        let la = a.path.utf8.count, lb = b.path.utf8.count
        if la != lb { return la > lb }
        if a.kind != b.kind { return a.kind == .exact }
        return a.age < b.age
    }
}

/// Creation order of Ingresses: creation time, then namespace/name for a stable order.
public struct IngressAge: Comparable, Hashable, Sendable {
    /// Seconds since 1970 (0 when unknown).
    public let created: Double
    public let key: String

    public init(created: Double, key: String) {
        self.created = created
        self.key = key
    }

    init(_ ingress: NetworkingV1.Ingress) {
        self.init(created: ingress.metadata.creationTimestamp?.date.timeIntervalSince1970 ?? 0,
                  key: "\(ingress.metadata.namespace ?? "")/\(ingress.metadata.name ?? "")")
    }

    public static func < (a: IngressAge, b: IngressAge) -> Bool {
        (a.created, a.key) < (b.created, b.key)
    }
}
