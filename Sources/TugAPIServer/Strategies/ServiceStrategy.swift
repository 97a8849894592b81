import Foundation
import TugAPI

/// Services: defaults for type, ports and affinity; kubectl's columns. (ClusterIP allocation
/// comes with the service-networking milestone.)
public struct ServiceStrategy: ResourceStrategy {
    public typealias Object = CoreV1.Service
    public let info: ResourceInfo
    public init(info: ResourceInfo) { self.info = info }

    public func applyDefaults(_ obj: inout CoreV1.Service) {
        var spec = obj.spec ?? CoreV1.ServiceSpec()
        if spec.type == nil { spec.type = "ClusterIP" }
        if spec.sessionAffinity == nil { spec.sessionAffinity = "None" }
        if spec.type != "ExternalName" {
            if spec.internalTrafficPolicy == nil { spec.internalTrafficPolicy = "Cluster" }
            if spec.ipFamilyPolicy == nil { spec.ipFamilyPolicy = "SingleStack" }
        }
        if let ports = spec.ports {
            spec.ports = ports.map { p in
                var p = p
                if p.`protocol` == nil { p.`protocol` = "TCP" }
                if p.targetPort == nil, let port = p.port { p.targetPort = .int(port) }
                return p
            }
        }
        obj.spec = spec
    }

    public func prepareForCreate(_ obj: inout CoreV1.Service) { obj.status = CoreV1.ServiceStatus(loadBalancer: CoreV1.LoadBalancerStatus()) }
    public func prepareForUpdate(_ new: inout CoreV1.Service, old: CoreV1.Service) { new.status = old.status }
    public func prepareForStatusUpdate(_ new: CoreV1.Service, old: CoreV1.Service) -> CoreV1.Service {
        var o = old
        o.status = new.status
        return o
    }

    public func validate(_ obj: CoreV1.Service) -> [FieldError] {
        var errs: [FieldError] = []
        let types = ["ClusterIP", "NodePort", "LoadBalancer", "ExternalName"]
        let t = obj.spec?.type ?? "ClusterIP"
        if !types.contains(t) { errs.append(.notSupported("spec.type", t, types)) }
        let ports = obj.spec?.ports ?? []
        if ports.isEmpty && t != "ExternalName" && obj.spec?.clusterIP != "None" { errs.append(.required("spec.ports")) }
        var names = Set<String>()
        for (i, p) in ports.enumerated() {
            let path = "spec.ports[\(i)]"
            errs += Validation.validatePortNumber(p.port ?? 0, path: "\(path).port")
            if ports.count > 1, (p.name ?? "").isEmpty { errs.append(.required("\(path).name")) }
            if let n = p.name, !n.isEmpty, !names.insert(n).inserted { errs.append(.duplicate("\(path).name", n)) }
        }
        return errs
    }

    public func validateUpdate(_ new: CoreV1.Service, old: CoreV1.Service) -> [FieldError] {
        if let oldIP = old.spec?.clusterIP, !oldIP.isEmpty, let newIP = new.spec?.clusterIP, newIP != oldIP {
            return [FieldError(.invalid, "spec.clusterIPs[0]", value: "\"\(newIP)\"", "may not change once set")]
        }
        return []
    }

    public var tableColumns: [TableColumn] {
        [.name, TableColumn("Type"), TableColumn("Cluster-IP"), TableColumn("External-IP"), TableColumn("Port(s)"), .age,
         TableColumn("Selector", priority: 1)]
    }

    public func tableCells(_ obj: CoreV1.Service, now: Date) -> [JSONValue] {
        let spec = obj.spec
        let ports = (spec?.ports ?? []).map { p -> String in
            var s = String(p.port ?? 0)
            if let np = p.nodePort { s += ":\(np)" }
            return s + "/" + (p.`protocol` ?? "TCP")
        }
        var external = "<none>"
        if spec?.type == "ExternalName" { external = spec?.externalName ?? "<none>" }
        else if let ips = obj.status?.loadBalancer?.ingress?.compactMap({ $0.ip ?? $0.hostname }), !ips.isEmpty { external = ips.joined(separator: ",") }
        else if spec?.type == "LoadBalancer" { external = "<pending>" }
        let selector = (spec?.selector ?? [:]).sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.joined(separator: ",")
        return [.string(obj.metadata.name ?? ""), .string(spec?.type ?? "ClusterIP"), .string(spec?.clusterIP ?? "<none>"),
                .string(external), .string(ports.isEmpty ? "<none>" : ports.joined(separator: ",")),
                .string(Age.since(obj.metadata.creationTimestamp, now: now)), .string(selector.isEmpty ? "<none>" : selector)]
    }
}
