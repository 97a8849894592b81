import Foundation
import TugAPI

/// core/v1 Endpoints: TCP ports by default, valid addresses and ports, and kubectl's
/// `ip:port` list cut at three.
public struct EndpointsStrategy: ResourceStrategy {
    public typealias Object = CoreV1.Endpoints
    public let info: ResourceInfo
    public init(info: ResourceInfo) { self.info = info }

    public var allowCreateOnUpdate: Bool { true }

    public func applyDefaults(_ obj: inout CoreV1.Endpoints) {
        obj.subsets = obj.subsets?.map { s in
            var s = s
            s.ports = s.ports?.map { p in
                var p = p
                if (p.protocol ?? "").isEmpty { p.protocol = "TCP" }
                return p
            }
            return s
        }
    }

    public func validate(_ obj: CoreV1.Endpoints) -> [FieldError] {
        var errs: [FieldError] = []
        for (i, subset) in (obj.subsets ?? []).enumerated() {
            let sp = "subsets[\(i)]"
            if (subset.addresses ?? []).isEmpty && (subset.notReadyAddresses ?? []).isEmpty {
                errs.append(.required(sp, "must specify `addresses` or `notReadyAddresses`"))
            }
            for (field, addresses) in [("addresses", subset.addresses ?? []), ("notReadyAddresses", subset.notReadyAddresses ?? [])] {
                for (j, a) in addresses.enumerated() { errs += address(a, path: "\(sp).\(field)[\(j)]") }
            }
            let ports = subset.ports ?? []
            var names = Set<String>()
            for (j, p) in ports.enumerated() {
                let pp = "\(sp).ports[\(j)]"
                let name = p.name ?? ""
                if ports.count > 1 && name.isEmpty { errs.append(.required("\(pp).name")) }
                else if !name.isEmpty {
                    errs += Validation.isDNS1123Label(name).map { FieldError.invalid("\(pp).name", name, $0) }
                    if !names.insert(name).inserted { errs.append(.duplicate("\(pp).name", name)) }
                }
                errs += Validation.validatePortNumber(p.port ?? 0, path: "\(pp).port")
                errs += ContainerValidation.protocolErrors(p.protocol, path: "\(pp).protocol")
            }
        }
        return errs
    }

    func address(_ a: CoreV1.EndpointAddress, path: String) -> [FieldError] {
        var errs: [FieldError] = []
        let ip = a.ip ?? ""
        if !IPSyntax.isValid(ip) { errs.append(.invalid("\(path).ip", ip, "must be a valid IP address")) }
        else if ip.hasPrefix("127.") || ip == "::1" { errs.append(.invalid("\(path).ip", ip, "may not be in the loopback range (127.0.0.0/8, ::1/128)")) }
        else if ip.hasPrefix("169.254.") || ip.lowercased().hasPrefix("fe80:") {
            errs.append(.invalid("\(path).ip", ip, "may not be in the link-local range (169.254.0.0/16, fe80::/10)"))
        }
        if let h = a.hostname, !h.isEmpty { errs += Validation.isDNS1123Label(h).map { FieldError.invalid("\(path).hostname", h, $0) } }
        if let n = a.nodeName, !n.isEmpty { errs += Validation.isDNS1123Subdomain(n).map { FieldError.invalid("\(path).nodeName", n, $0) } }
        return errs
    }

    public var tableColumns: [TableColumn] { [.name, .string("Endpoints", "Endpoints of the service"), .age] }

    public func tableCells(_ obj: CoreV1.Endpoints, now: Date) -> [JSONValue] {
        [TableFormat.name(obj), .string(Self.format(obj.subsets)), TableFormat.age(obj, now)]
    }

    /// `formatEndpoints`: `ip:port` for each address and port (bare IPs when a subset has no
    /// ports), at most three, then `+ N more...`; `<none>` without subsets.
    static func format(_ subsets: [CoreV1.EndpointSubset]?) -> String {
        guard let subsets, !subsets.isEmpty else { return "<none>" }
        var list: [String] = []
        var count = 0
        for s in subsets {
            let addresses = s.addresses ?? []
            let ports = s.ports ?? []
            if ports.isEmpty {
                count += addresses.count
                for a in addresses where list.count < 3 { list.append(a.ip ?? "") }
                continue
            }
            for p in ports {
                count += addresses.count
                for a in addresses where list.count < 3 { list.append(TableFormat.hostPort(a.ip ?? "", p.port ?? 0)) }
            }
        }
        let ret = list.joined(separator: ",")
        return count > 3 ? "\(ret) + \(count - 3) more..." : ret
    }
}
