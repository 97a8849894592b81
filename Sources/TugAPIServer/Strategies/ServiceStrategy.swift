import Foundation
import TugAPI

/// Services: core/v1 defaults (ClusterIP, affinity None, TCP ports targeting themselves,
/// traffic policies, single-stack IPv4), validation, allocated values kept across updates,
/// and kubectl's columns. Cluster IPs and node ports come from `ServiceAllocator` at write time.
public struct ServiceStrategy: ResourceStrategy {
    public typealias Object = CoreV1.Service
    public let info: ResourceInfo
    public init(info: ResourceInfo) { self.info = info }

    public var allowCreateOnUpdate: Bool { true }
    public var nameValidator: Validation.NameValidator { Validation.nameIsDNS1035Label }

    public func applyDefaults(_ obj: inout CoreV1.Service) {
        var spec = obj.spec ?? CoreV1.ServiceSpec()
        if (spec.sessionAffinity ?? "").isEmpty { spec.sessionAffinity = "None" }
        if spec.sessionAffinity == "None" { spec.sessionAffinityConfig = nil }
        if spec.sessionAffinity == "ClientIP", spec.sessionAffinityConfig?.clientIP?.timeoutSeconds == nil {
            spec.sessionAffinityConfig = CoreV1.SessionAffinityConfig(clientIP: CoreV1.ClientIPConfig(timeoutSeconds: 10800))
        }
        if (spec.type ?? "").isEmpty { spec.type = "ClusterIP" }
        spec.ports = spec.ports?.map { p in
            var p = p
            if (p.protocol ?? "").isEmpty { p.protocol = "TCP" }
            if p.targetPort == nil || p.targetPort == .int(0) || p.targetPort == .string("") { p.targetPort = .int(p.port ?? 0) }
            return p
        }
        let type = spec.type ?? ""
        let external = type == "NodePort" || type == "LoadBalancer" || !(spec.externalIPs ?? []).isEmpty
        if external && (spec.externalTrafficPolicy ?? "").isEmpty { spec.externalTrafficPolicy = "Cluster" }
        if spec.internalTrafficPolicy == nil && ["NodePort", "LoadBalancer", "ClusterIP"].contains(type) {
            spec.internalTrafficPolicy = "Cluster"
        }
        if type == "LoadBalancer" && spec.allocateLoadBalancerNodePorts == nil { spec.allocateLoadBalancerNodePorts = true }
        if type != "ExternalName" {
            // clusterIP and clusterIPs[0] name the same address.
            if let ip = spec.clusterIP, !ip.isEmpty, (spec.clusterIPs ?? []).isEmpty { spec.clusterIPs = [ip] }
            if (spec.clusterIP ?? "").isEmpty, let first = spec.clusterIPs?.first { spec.clusterIP = first }
            if spec.ipFamilyPolicy == nil { spec.ipFamilyPolicy = "SingleStack" }
            if (spec.ipFamilies ?? []).isEmpty { spec.ipFamilies = ["IPv4"] }
        }
        obj.spec = spec
        if var lb = obj.status?.loadBalancer, type == "LoadBalancer" {
            lb.ingress = lb.ingress?.map { i in
                var i = i
                if !(i.ip ?? "").isEmpty && i.ipMode == nil { i.ipMode = "VIP" }
                return i
            }
            obj.status?.loadBalancer = lb
        }
    }

    public func prepareForCreate(_ obj: inout CoreV1.Service) {
        obj.status = CoreV1.ServiceStatus(loadBalancer: CoreV1.LoadBalancerStatus())
    }

    /// Status stays; allocated addresses and node ports carry over when the update omits them,
    /// and values the new type may not have go away when the user left them as they were
    /// (Kubernetes' `dropTypeDependentFields`), so `kubectl patch` of the type alone works.
    public func prepareForUpdate(_ new: inout CoreV1.Service, old: CoreV1.Service) {
        new.status = old.status
        guard var spec = new.spec, let oldSpec = old.spec else { return }
        let type = spec.type ?? "", oldType = oldSpec.type ?? ""
        if type == "ExternalName" && oldType != "ExternalName" {
            if spec.clusterIP == oldSpec.clusterIP { spec.clusterIP = nil }
            if spec.clusterIPs == oldSpec.clusterIPs { spec.clusterIPs = nil }
            if spec.ipFamilies == oldSpec.ipFamilies { spec.ipFamilies = nil }
            if spec.ipFamilyPolicy == oldSpec.ipFamilyPolicy { spec.ipFamilyPolicy = nil }
        }
        let oldPorts = oldSpec.ports ?? []
        func oldNodePort(_ p: CoreV1.ServicePort) -> Int? {
            oldPorts.first { $0.port == p.port && $0.protocol == p.protocol }?.nodePort
        }
        let needsNodePorts = type == "NodePort" || type == "LoadBalancer"
        spec.ports = spec.ports?.map { p in
            var p = p
            if needsNodePorts, (p.nodePort ?? 0) == 0 {
                p.nodePort = oldNodePort(p)
            } else if !needsNodePorts, let np = p.nodePort, np != 0, np == oldNodePort(p) {
                p.nodePort = nil
            }
            return p
        }
        let needsHealthCheck = type == "LoadBalancer" && spec.externalTrafficPolicy == "Local"
        if needsHealthCheck, (spec.healthCheckNodePort ?? 0) == 0, oldSpec.externalTrafficPolicy == "Local" {
            spec.healthCheckNodePort = oldSpec.healthCheckNodePort
        } else if !needsHealthCheck, spec.healthCheckNodePort == oldSpec.healthCheckNodePort {
            spec.healthCheckNodePort = nil
        }
        if type != "ExternalName", oldType != "ExternalName", (spec.clusterIP ?? "").isEmpty && (spec.clusterIPs ?? []).isEmpty {
            spec.clusterIP = oldSpec.clusterIP
            spec.clusterIPs = oldSpec.clusterIPs
        }
        new.spec = spec
    }

    public func prepareForStatusUpdate(_ new: CoreV1.Service, old: CoreV1.Service) -> CoreV1.Service {
        var o = old
        o.status = new.status
        return o
    }

    public func validate(_ obj: CoreV1.Service) -> [FieldError] {
        ServiceValidation.validate(obj)
    }

    public func validateUpdate(_ new: CoreV1.Service, old: CoreV1.Service) -> [FieldError] {
        ServiceValidation.update(new, old: old)
    }

    public func validateStatusUpdate(_ new: CoreV1.Service, old: CoreV1.Service) -> [FieldError] {
        var errs: [FieldError] = []
        for (i, ing) in (new.status?.loadBalancer?.ingress ?? []).enumerated() {
            if let ip = ing.ip, !ip.isEmpty, !IPSyntax.isValid(ip) {
                errs.append(.invalid("status.loadBalancer.ingress[\(i)].ip", ip, "must be a valid IP address"))
            }
            if let mode = ing.ipMode, mode != "VIP" && mode != "Proxy" {
                errs.append(.notSupported("status.loadBalancer.ingress[\(i)].ipMode", mode, ["Proxy", "VIP"]))
            }
        }
        return errs
    }

    public var selectableFieldNames: [String] { ["spec.clusterIP", "spec.type"] }
    public func selectableFields(_ obj: CoreV1.Service) -> [String: String] {
        ["spec.clusterIP": obj.spec?.clusterIP ?? "", "spec.type": obj.spec?.type ?? ""]
    }

    public var tableColumns: [TableColumn] {
        [.name, .string("Type", "The type of the service."), .string("Cluster-IP", "The cluster IP of the service."),
         .string("External-IP", "The external IP addresses of the service."), .string("Port(s)", "The ports of the service."),
         .age, .string("Selector", "The label selector of the service.", priority: 1)]
    }

    public func tableCells(_ obj: CoreV1.Service, now: Date) -> [JSONValue] {
        let spec = obj.spec
        let clusterIP = spec?.clusterIPs?.first ?? "<none>"
        let ports = (spec?.ports ?? []).map { p -> String in
            let proto = p.protocol ?? ""
            if let np = p.nodePort, np > 0 { return "\(p.port ?? 0):\(np)/\(proto)" }
            return "\(p.port ?? 0)/\(proto)"
        }.joined(separator: ",")
        return [TableFormat.name(obj), .string(spec?.type ?? ""), .string(clusterIP), .string(Self.externalIP(obj)),
                .string(ports.isEmpty ? "<none>" : ports), TableFormat.age(obj, now), .string(TableFormat.labels(spec?.selector))]
    }

    /// `getServiceExternalIP` (wide: load-balancer addresses are not shortened).
    static func externalIP(_ svc: CoreV1.Service) -> String {
        let externalIPs = svc.spec?.externalIPs ?? []
        switch svc.spec?.type ?? "" {
        case "ClusterIP", "NodePort":
            return externalIPs.isEmpty ? "<none>" : externalIPs.joined(separator: ",")
        case "LoadBalancer":
            let lb = TableFormat.loadBalancer((svc.status?.loadBalancer?.ingress ?? []).map { ($0.ip, $0.hostname) })
            if !externalIPs.isEmpty {
                let all = (lb.isEmpty ? [] : lb.split(separator: ",").map(String.init)) + externalIPs
                return all.joined(separator: ",")
            }
            return lb.isEmpty ? "<pending>" : lb
        case "ExternalName":
            return svc.spec?.externalName ?? ""
        default:
            return "<unknown>"
        }
    }
}
