import Foundation
import TugAPI

/// NetworkPolicies: policy types implied by the rules, TCP ports by default, valid selectors,
/// peers, ports and CIDRs, and kubectl's columns.
public struct NetworkPolicyStrategy: ResourceStrategy {
    public typealias Object = NetworkingV1.NetworkPolicy
    public let info: ResourceInfo
    public init(info: ResourceInfo) { self.info = info }

    public var tracksGeneration: Bool { true }

    public func applyDefaults(_ obj: inout NetworkingV1.NetworkPolicy) {
        var spec = obj.spec ?? NetworkingV1.NetworkPolicySpec()
        if (spec.policyTypes ?? []).isEmpty {
            spec.policyTypes = ["Ingress"] + ((spec.egress ?? []).isEmpty ? [] : ["Egress"])
        }
        func tcp(_ ports: [NetworkingV1.NetworkPolicyPort]?) -> [NetworkingV1.NetworkPolicyPort]? {
            ports?.map { p in
                var p = p
                if p.protocol == nil { p.protocol = "TCP" }
                return p
            }
        }
        spec.ingress = spec.ingress?.map { r in var r = r; r.ports = tcp(r.ports); return r }
        spec.egress = spec.egress?.map { r in var r = r; r.ports = tcp(r.ports); return r }
        if spec.podSelector == nil { spec.podSelector = MetaV1.LabelSelector() }
        obj.spec = spec
    }

    public func validate(_ obj: NetworkingV1.NetworkPolicy) -> [FieldError] {
        let spec = obj.spec ?? NetworkingV1.NetworkPolicySpec()
        var errs = Validation.validateLabelSelector(spec.podSelector, path: "spec.podSelector")
        for (i, rule) in (spec.ingress ?? []).enumerated() {
            errs += ports(rule.ports ?? [], path: "spec.ingress[\(i)].ports")
            for (j, peer) in (rule.from ?? []).enumerated() { errs += self.peer(peer, path: "spec.ingress[\(i)].from[\(j)]") }
        }
        for (i, rule) in (spec.egress ?? []).enumerated() {
            errs += ports(rule.ports ?? [], path: "spec.egress[\(i)].ports")
            for (j, peer) in (rule.to ?? []).enumerated() { errs += self.peer(peer, path: "spec.egress[\(i)].to[\(j)]") }
        }
        let types = spec.policyTypes ?? []
        for (i, t) in types.enumerated() where t != "Ingress" && t != "Egress" {
            errs.append(.notSupported("spec.policyTypes[\(i)]", t, ["Ingress", "Egress"]))
        }
        if types.count > 2 { errs.append(FieldError(.invalid, "spec.policyTypes", value: GoFormat.stringSlice(types), "may not specify more than two policyTypes")) }
        return errs
    }

    func ports(_ ports: [NetworkingV1.NetworkPolicyPort], path: String) -> [FieldError] {
        var errs: [FieldError] = []
        for (i, p) in ports.enumerated() {
            let pp = "\(path)[\(i)]"
            if let proto = p.protocol { errs += ContainerValidation.protocolErrors(proto, path: "\(pp).protocol") }
            switch p.port {
            case .int(let n)?:
                errs += Validation.validatePortNumber(n, path: "\(pp).port")
                if let end = p.endPort {
                    if end < n { errs.append(.invalid("\(pp).endPort", end, "must be greater than or equal to `port`")) }
                    errs += Validation.validatePortNumber(end, path: "\(pp).endPort")
                }
            case .string(let name)?:
                if p.endPort != nil { errs.append(.invalid("\(pp).endPort", p.endPort ?? 0, "may not be specified when `port` is non-numeric")) }
                errs += Validation.validatePortName(name, path: "\(pp).port")
            case nil:
                if p.endPort != nil { errs.append(.required("\(pp).port", "must be specified when endPort is specified")) }
            }
        }
        return errs
    }

    func peer(_ peer: NetworkingV1.NetworkPolicyPeer, path: String) -> [FieldError] {
        var errs: [FieldError] = []
        var count = 0
        if let s = peer.podSelector { count += 1; errs += Validation.validateLabelSelector(s, path: "\(path).podSelector") }
        if let s = peer.namespaceSelector { count += 1; errs += Validation.validateLabelSelector(s, path: "\(path).namespaceSelector") }
        if let block = peer.ipBlock {
            count += 1
            let cidr = block.cidr ?? ""
            if cidr.isEmpty { errs.append(.required("\(path).ipBlock.cidr")) }
            else if !NodeStrategy.isCIDR(cidr) { errs.append(.invalid("\(path).ipBlock.cidr", cidr, "must be a valid CIDR value, (e.g. 10.9.8.0/24 or 2001:db8::/64)")) }
            for (i, e) in (block.except ?? []).enumerated() where !NodeStrategy.isCIDR(e) {
                errs.append(.invalid("\(path).ipBlock.except[\(i)]", e, "must be a valid CIDR value, (e.g. 10.9.8.0/24 or 2001:db8::/64)"))
            }
        }
        if count == 0 { errs.append(.required(path, "must specify a peer")) }
        else if count > 1 && peer.ipBlock != nil { errs.append(.forbidden(path, "may not specify both ipBlock and another peer")) }
        return errs
    }

    public var tableColumns: [TableColumn] {
        [.name, .string("Pod-Selector", "Selects the pods to which this NetworkPolicy object applies."), .age]
    }

    public func tableCells(_ obj: NetworkingV1.NetworkPolicy, now: Date) -> [JSONValue] {
        [TableFormat.name(obj), .string(TableFormat.labelSelector(obj.spec?.podSelector ?? MetaV1.LabelSelector())), TableFormat.age(obj, now)]
    }
}
