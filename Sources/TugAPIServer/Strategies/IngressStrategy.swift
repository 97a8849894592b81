import Foundation
import TugAPI

/// Ingresses: rules or a default backend, valid hosts, paths with a type, one kind of
/// backend each, TLS hosts; status through `status`; kubectl's columns.
public struct IngressStrategy: ResourceStrategy {
    public typealias Object = NetworkingV1.Ingress
    public let info: ResourceInfo
    public init(info: ResourceInfo) { self.info = info }

    public var tracksGeneration: Bool { true }

    public func prepareForCreate(_ obj: inout NetworkingV1.Ingress) {
        obj.status = NetworkingV1.IngressStatus(loadBalancer: NetworkingV1.IngressLoadBalancerStatus())
    }

    public func prepareForUpdate(_ new: inout NetworkingV1.Ingress, old: NetworkingV1.Ingress) { new.status = old.status }

    public func prepareForStatusUpdate(_ new: NetworkingV1.Ingress, old: NetworkingV1.Ingress) -> NetworkingV1.Ingress {
        var o = old
        o.status = new.status
        return o
    }

    public func validate(_ obj: NetworkingV1.Ingress) -> [FieldError] {
        let spec = obj.spec ?? NetworkingV1.IngressSpec()
        var errs: [FieldError] = []
        let rules = spec.rules ?? []
        if rules.isEmpty && spec.defaultBackend == nil {
            errs.append(FieldError(.invalid, "spec", value: "[]networking.IngressRule(nil)", "either `defaultBackend` or `rules` must be specified"))
        }
        if let b = spec.defaultBackend { errs += backend(b, path: "spec.defaultBackend") }
        for (i, rule) in rules.enumerated() {
            let rp = "spec.rules[\(i)]"
            if let host = rule.host, !host.isEmpty { errs += Self.host(host, path: "\(rp).host") }
            if let http = rule.http {
                let paths = http.paths ?? []
                if paths.isEmpty { errs.append(.required("\(rp).http.paths")) }
                for (j, p) in paths.enumerated() { errs += path(p, path: "\(rp).http.paths[\(j)]") }
            }
        }
        for (i, tls) in (spec.tls ?? []).enumerated() {
            for (j, host) in (tls.hosts ?? []).enumerated() {
                errs += Self.host(host, path: "spec.tls[\(i)].hosts[\(j)]", allowIP: true)
            }
        }
        if let cls = spec.ingressClassName {
            errs += Validation.isDNS1123Subdomain(cls).map { FieldError.invalid("spec.ingressClassName", cls, $0) }
            if let annotation = obj.metadata.annotations?["kubernetes.io/ingress.class"] {
                errs.append(.invalid("annotations.kubernetes.io/ingress.class", annotation, "can not be set when the class field is also set"))
            }
        }
        return errs
    }

    static func host(_ host: String, path: String, allowIP: Bool = false) -> [FieldError] {
        var errs: [FieldError] = []
        if !allowIP && IPSyntax.isValid(host) { errs.append(.invalid(path, host, "must be a DNS name, not an IP address")) }
        if host.contains("*") {
            let rest = host.hasPrefix("*.") ? String(host.dropFirst(2)) : ""
            if rest.isEmpty || rest.contains("*") || !Validation.isDNS1123Subdomain(rest).isEmpty {
                errs.append(.invalid(path, host, "a wildcard DNS-1123 subdomain must start with '*.', followed by a valid DNS subdomain, "
                    + "which must consist of lower case alphanumeric characters, '-' or '.' and end with an alphanumeric character "
                    + "(e.g. '*.example.com', regex used for validation is '\\*\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')"))
            }
        } else {
            errs += Validation.isDNS1123Subdomain(host).map { FieldError.invalid(path, host, $0) }
        }
        return errs
    }

    func path(_ p: NetworkingV1.HTTPIngressPath, path: String) -> [FieldError] {
        guard let type = p.pathType else { return [.required("\(path).pathType", "pathType must be specified")] }
        var errs: [FieldError] = []
        let value = p.path ?? ""
        switch type {
        case "Exact", "Prefix":
            if !value.hasPrefix("/") { errs.append(.invalid("\(path).path", value, "must be an absolute path")) }
            if !value.isEmpty {
                for seq in ["//", "/./", "/../", "%2f", "%2F"] where value.contains(seq) {
                    errs.append(.invalid("\(path).path", value, "must not contain '\(seq)'"))
                }
                for suffix in ["/..", "/."] where value.hasSuffix(suffix) {
                    errs.append(.invalid("\(path).path", value, "cannot end with '\(suffix)'"))
                }
            }
        case "ImplementationSpecific":
            if !value.isEmpty && !value.hasPrefix("/") { errs.append(.invalid("\(path).path", value, "must be an absolute path")) }
        default:
            errs.append(.notSupported("\(path).pathType", type, ["Exact", "ImplementationSpecific", "Prefix"]))
        }
        errs += backend(p.backend ?? NetworkingV1.IngressBackend(), path: "\(path).backend")
        return errs
    }

    func backend(_ b: NetworkingV1.IngressBackend, path: String) -> [FieldError] {
        switch (b.resource, b.service) {
        case (.some, .some):
            return [.invalid(path, "", "cannot set both resource and service backends")]
        case (let r?, nil):
            var errs: [FieldError] = []
            if (r.kind ?? "").isEmpty { errs.append(.required("\(path).resource.kind")) }
            if (r.name ?? "").isEmpty { errs.append(.required("\(path).resource.name")) }
            if let g = r.apiGroup, !g.isEmpty { errs += Validation.isDNS1123Subdomain(g).map { FieldError.invalid("\(path).resource.apiGroup", g, $0) } }
            return errs
        case (nil, let s?):
            var errs: [FieldError] = []
            let name = s.name ?? ""
            if name.isEmpty { errs.append(.required("\(path).service.name")) }
            else { errs += Validation.nameIsDNS1035Label(name, false).map { FieldError.invalid("\(path).service.name", name, $0) } }
            let portName = s.port?.name ?? ""
            let portNumber = s.port?.number ?? 0
            if !portName.isEmpty && portNumber != 0 {
                errs.append(.invalid(path, "", "cannot set both port name & port number"))
            } else if !portName.isEmpty {
                errs += Validation.validatePortName(portName, path: "\(path).service.port.name")
            } else if portNumber != 0 {
                errs += Validation.validatePortNumber(portNumber, path: "\(path).service.port.number")
            } else {
                errs.append(.required(path, "port name or number is required"))
            }
            return errs
        case (nil, nil):
            return [.invalid(path, "", "resource or service backend is required")]
        }
    }

    public var tableColumns: [TableColumn] {
        [.name, .string("Class", "The name of the IngressClass resource that should be used for additional configuration"),
         .string("Hosts", "Hosts that incoming requests are matched against before the ingress rule"),
         .string("Address", "Address is a list containing ingress points for the load-balancer"),
         .string("Ports", "Ports of TLS configurations that open"), .age]
    }

    public func tableCells(_ obj: NetworkingV1.Ingress, now: Date) -> [JSONValue] {
        let rules = obj.spec?.rules ?? []
        // `formatHosts`: up to three hosts; any rule after the third listed host means "more".
        var hosts: [String] = []
        var more = false
        for rule in rules {
            if hosts.count == 3 { more = true }
            if !more, let h = rule.host, !h.isEmpty { hosts.append(h) }
        }
        var hostText = hosts.isEmpty ? "*" : hosts.joined(separator: ",")
        if !hosts.isEmpty && more { hostText += " + \(rules.count - 3) more..." }
        let address = TableFormat.loadBalancer((obj.status?.loadBalancer?.ingress ?? []).map { ($0.ip, $0.hostname) })
        let ports = (obj.spec?.tls ?? []).isEmpty ? "80" : "80, 443"
        return [TableFormat.name(obj), .string(obj.spec?.ingressClassName ?? "<none>"), .string(hostText), .string(address),
                .string(ports), TableFormat.age(obj, now)]
    }
}
