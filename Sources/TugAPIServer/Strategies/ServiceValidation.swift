import Foundation
import TugAPI

/// Kubernetes' `ValidateService` and `ValidateServiceUpdate` for core/v1 Services.
enum ServiceValidation {
    static let types = ["ClusterIP", "ExternalName", "LoadBalancer", "NodePort"]

    static func validate(_ svc: CoreV1.Service) -> [FieldError] {
        let spec = svc.spec ?? CoreV1.ServiceSpec()
        var errs: [FieldError] = []
        let type = spec.type ?? ""
        let ports = spec.ports ?? []
        let headless = spec.clusterIP == "None"
        if ports.isEmpty && !headless && type != "ExternalName" { errs.append(.required("spec.ports")) }
        switch type {
        case "LoadBalancer":
            if headless { errs.append(.invalid("spec.clusterIP", "None", "may not be set to 'None' for LoadBalancer services")) }
        case "NodePort":
            if headless { errs.append(.invalid("spec.clusterIP", "None", "may not be set to 'None' for NodePort services")) }
        case "ExternalName":
            if !(spec.clusterIPs ?? []).isEmpty { errs.append(.forbidden("spec.clusterIPs", "may not be set for ExternalName services")) }
            if !(spec.ipFamilies ?? []).isEmpty { errs.append(.forbidden("spec.ipFamilies", "may not be set for ExternalName services")) }
            if spec.ipFamilyPolicy != nil { errs.append(.forbidden("spec.ipFamilyPolicy", "may not be set for ExternalName services")) }
            var cname = spec.externalName ?? ""
            if cname.hasSuffix(".") { cname.removeLast() }
            if cname.isEmpty { errs.append(.required("spec.externalName")) }
            else { errs += Validation.isDNS1123Subdomain(cname).map { FieldError.invalid("spec.externalName", cname, $0) } }
        default: break
        }
        var names = Set<String>()
        for (i, port) in ports.enumerated() {
            errs += self.port(port, requireName: ports.count > 1, names: &names, path: "spec.ports[\(i)]")
        }
        if let sel = spec.selector { errs += Validation.validateLabels(sel, path: "spec.selector") }
        switch spec.sessionAffinity ?? "" {
        case "None":
            if let cfg = spec.sessionAffinityConfig {
                errs.append(FieldError(.invalid, "spec.sessionAffinityConfig", value: GoFormat.json(cfg), "must not be set when session affinity is None"))
            }
        case "ClientIP":
            if let t = spec.sessionAffinityConfig?.clientIP?.timeoutSeconds, t <= 0 || t > 86400 {
                errs.append(.invalid("spec.sessionAffinityConfig.clientIP.timeoutSeconds", t, "must be greater than 0 and less than 86400"))
            }
        case "": errs.append(.required("spec.sessionAffinity"))
        case let other: errs.append(.notSupported("spec.sessionAffinity", other, ["ClientIP", "None"]))
        }
        if !types.contains(type) {
            errs.append(type.isEmpty ? .required("spec.type") : .notSupported("spec.type", type, types))
        }
        if type == "ClusterIP" {
            for (i, p) in ports.enumerated() where (p.nodePort ?? 0) != 0 {
                errs.append(.forbidden("spec.ports[\(i)].nodePort", "may not be used when `type` is 'ClusterIP'"))
            }
        }
        var nodePorts = Set<String>()
        var keys = Set<String>()
        for (i, p) in ports.enumerated() {
            if let np = p.nodePort, np != 0, !nodePorts.insert("\(p.protocol ?? "")/\(np)").inserted {
                errs.append(FieldError(.duplicate, "spec.ports[\(i)].nodePort", value: String(np)))
            }
            if !keys.insert("\(p.protocol ?? "")/\(p.port ?? 0)").inserted {
                let value = "core.ServicePort{Name:\"\", Protocol:\(goQuoted(p.protocol ?? "")), AppProtocol:(*string)(nil), Port:\(p.port ?? 0), "
                    + "TargetPort:intstr.IntOrString{Type:0, IntVal:0, StrVal:\"\"}, NodePort:0}"
                errs.append(FieldError(.duplicate, "spec.ports[\(i)]", value: value))
            }
        }
        errs += clusterIPs(spec)
        for (i, ip) in (spec.externalIPs ?? []).enumerated() where !IPSyntax.isValid(ip) {
            errs.append(.invalid("spec.externalIPs[\(i)]", ip, "must be a valid IP address, (e.g. 10.9.8.7 or 2001:db8::ffff)"))
        }
        errs += trafficPolicies(spec)
        if spec.allocateLoadBalancerNodePorts != nil && type != "LoadBalancer" {
            errs.append(.forbidden("spec.allocateLoadBalancerNodePorts", "may only be used when `type` is 'LoadBalancer'"))
        }
        if !(spec.loadBalancerSourceRanges ?? []).isEmpty && type != "LoadBalancer" {
            errs.append(.forbidden("spec.loadBalancerSourceRanges", "may only be used when `type` is 'LoadBalancer'"))
        }
        // A range the proxies cannot read would silently let everyone in.
        for (i, range) in (spec.loadBalancerSourceRanges ?? []).enumerated() where !IPSyntax.isCIDR(range.filter { !$0.isWhitespace }) {
            errs.append(.invalid("spec.loadBalancerSourceRanges[\(i)]", range, "must be a valid CIDR value, (e.g. 10.9.8.0/24 or 2001:db8::/64)"))
        }
        return errs
    }

    static func port(_ sp: CoreV1.ServicePort, requireName: Bool, names: inout Set<String>, path: String) -> [FieldError] {
        var errs: [FieldError] = []
        let name = sp.name ?? ""
        if requireName && name.isEmpty {
            errs.append(.required("\(path).name"))
        } else if !name.isEmpty {
            errs += Validation.isDNS1123Label(name).map { FieldError.invalid("\(path).name", name, $0) }
            if !names.insert(name).inserted { errs.append(.duplicate("\(path).name", name)) }
        }
        errs += Validation.validatePortNumber(sp.port ?? 0, path: "\(path).port")
        errs += ContainerValidation.protocolErrors(sp.protocol, path: "\(path).protocol")
        errs += ContainerValidation.portNumOrName(sp.targetPort, path: "\(path).targetPort")
        return errs
    }

    static func clusterIPs(_ spec: CoreV1.ServiceSpec) -> [FieldError] {
        var errs: [FieldError] = []
        let ips = spec.clusterIPs ?? []
        if let first = ips.first, first != (spec.clusterIP ?? "") {
            errs.append(FieldError(.invalid, "spec.clusterIPs", value: GoFormat.stringSlice(ips), "first value must match `clusterIP`"))
        }
        for (i, ip) in ips.enumerated() {
            if ip == "None" {
                if ips.count > 1 { errs.append(FieldError(.invalid, "spec.clusterIPs", value: GoFormat.stringSlice(ips), "'None' must be the first and only value")) }
            } else if !IPSyntax.isValid(ip) {
                errs.append(.invalid("spec.clusterIPs[\(i)]", ip, "must be a valid IP address, (e.g. 10.9.8.7 or 2001:db8::ffff)"))
            }
        }
        if let policy = spec.ipFamilyPolicy, !["PreferDualStack", "RequireDualStack", "SingleStack"].contains(policy) {
            errs.append(.notSupported("spec.ipFamilyPolicy", policy, ["PreferDualStack", "RequireDualStack", "SingleStack"]))
        }
        var seen = Set<String>()
        for (i, family) in (spec.ipFamilies ?? []).enumerated() {
            if family != "IPv4" && family != "IPv6" { errs.append(.notSupported("spec.ipFamilies[\(i)]", family, ["IPv4", "IPv6"])) }
            else if !seen.insert(family).inserted { errs.append(.duplicate("spec.ipFamilies[\(i)]", family)) }
        }
        if spec.ipFamilyPolicy == "SingleStack" && (spec.ipFamilies ?? []).count > 1 {
            errs.append(FieldError(.invalid, "spec.ipFamilies", value: GoFormat.stringSlice(spec.ipFamilies),
                                   "when spec.ipFamilyPolicy is set to SingleStack, at most one family may be specified"))
        }
        return errs
    }

    static func trafficPolicies(_ spec: CoreV1.ServiceSpec) -> [FieldError] {
        var errs: [FieldError] = []
        let type = spec.type ?? ""
        let external = type == "NodePort" || type == "LoadBalancer" || !(spec.externalIPs ?? []).isEmpty
        if let etp = spec.externalTrafficPolicy, !etp.isEmpty {
            if !external { errs.append(.invalid("spec.externalTrafficPolicy", etp, "may only be set for externally-accessible services")) }
            else if etp != "Cluster" && etp != "Local" { errs.append(.notSupported("spec.externalTrafficPolicy", etp, ["Cluster", "Local"])) }
        } else if external {
            errs.append(.required("spec.externalTrafficPolicy"))
        }
        if let itp = spec.internalTrafficPolicy {
            if itp != "Cluster" && itp != "Local" { errs.append(.notSupported("spec.internalTrafficPolicy", itp, ["Cluster", "Local"])) }
        } else if ["ClusterIP", "NodePort", "LoadBalancer"].contains(type) {
            errs.append(.required("spec.internalTrafficPolicy"))
        }
        if let hc = spec.healthCheckNodePort, hc != 0 {
            if type != "LoadBalancer" || spec.externalTrafficPolicy != "Local" {
                errs.append(.invalid("spec.healthCheckNodePort", hc, "may only be set when `type` is 'LoadBalancer' and `externalTrafficPolicy` is 'Local'"))
            } else {
                errs += Validation.validatePortNumber(hc, path: "spec.healthCheckNodePort")
            }
        }
        return errs
    }

    /// The primary cluster IP may not change (a switch to or from ExternalName aside).
    static func update(_ new: CoreV1.Service, old: CoreV1.Service) -> [FieldError] {
        guard new.spec?.type != "ExternalName", old.spec?.type != "ExternalName" else { return [] }
        let newIPs = new.spec?.clusterIPs ?? []
        let oldIPs = old.spec?.clusterIPs ?? []
        if let n = newIPs.first, let o = oldIPs.first, n != o {
            return [FieldError(.invalid, "spec.clusterIPs[0]", value: GoFormat.stringSlice(newIPs), "may not change once set")]
        }
        if let n = new.spec?.ipFamilies?.first, let o = old.spec?.ipFamilies?.first, n != o {
            return [.invalid("spec.ipFamilies[0]", n, "may not change once set")]
        }
        return []
    }
}

/// IPv4 and IPv6 address syntax, as Go's `netip.ParseAddr` accepts for API fields.
enum IPSyntax {
    static func isValid(_ s: String) -> Bool { isIPv4(s) || isIPv6(s) }

    /// `ADDRESS/PREFIX` (host bits allowed, as Go's ParseCIDR takes them).
    static func isCIDR(_ s: String) -> Bool {
        let parts = s.split(separator: "/", omittingEmptySubsequences: false)
        guard parts.count == 2, let prefix = Int(parts[1]), parts[1].allSatisfy(\.isASCII) else { return false }
        let address = String(parts[0])
        return isIPv4(address) ? (0...32).contains(prefix) : isIPv6(address) && (0...128).contains(prefix)
    }

    static func isIPv4(_ s: String) -> Bool {
        let parts = s.split(separator: ".", omittingEmptySubsequences: false)
        return parts.count == 4 && parts.allSatisfy { p in
            !p.isEmpty && p.count <= 3 && p.allSatisfy { $0.isASCII && $0.isNumber } && (p.count == 1 || p.first != "0") && Int(p)! <= 255
        }
    }

    static func isIPv6(_ s: String) -> Bool {
        guard s.contains(":"), !s.contains("%") else { return false }
        var text = Substring(s)
        var groupsNeeded = 8
        if let lastColon = text.lastIndex(of: ":"), text[text.index(after: lastColon)...].contains(".") {
            guard isIPv4(String(text[text.index(after: lastColon)...])) else { return false }
            text = text[...lastColon]
            if text.hasSuffix(":") && !text.hasSuffix("::") { text = text.dropLast() }
            groupsNeeded = 6
        }
        let halves = text.components(separatedBy: "::")
        guard halves.count <= 2 else { return false }
        func groups(_ h: String) -> [Substring]? {
            if h.isEmpty { return [] }
            let g = h.split(separator: ":", omittingEmptySubsequences: false)
            return g.allSatisfy { !$0.isEmpty && $0.count <= 4 && $0.allSatisfy(\.isHexDigit) } ? g : nil
        }
        guard let a = groups(halves[0]) else { return false }
        if halves.count == 2 {
            guard let b = groups(halves[1]) else { return false }
            return a.count + b.count < groupsNeeded
        }
        return a.count == groupsNeeded
    }
}
