import Foundation
import TugAPI

/// EndpointSlices: ports default to TCP and an empty name; a required address type whose
/// addresses are checked; generation moving with content; kubectl's columns.
public struct EndpointSliceStrategy: ResourceStrategy {
    public typealias Object = DiscoveryV1.EndpointSlice
    public let info: ResourceInfo
    public init(info: ResourceInfo) { self.info = info }

    public var tracksGeneration: Bool { true }

    static let addressTypes = ["FQDN", "IPv4", "IPv6"]

    public func applyDefaults(_ obj: inout DiscoveryV1.EndpointSlice) {
        obj.ports = obj.ports?.map { p in
            var p = p
            if p.name == nil { p.name = "" }
            if p.protocol == nil { p.protocol = "TCP" }
            return p
        }
    }

    public func validate(_ obj: DiscoveryV1.EndpointSlice) -> [FieldError] {
        var errs: [FieldError] = []
        let type = obj.addressType ?? ""
        if type.isEmpty { errs.append(.required("addressType")) }
        else if !Self.addressTypes.contains(type) { errs.append(.notSupported("addressType", type, Self.addressTypes)) }
        let endpoints = obj.endpoints ?? []
        if endpoints.count > 1000 { errs.append(FieldError(.tooMany, "endpoints", value: String(endpoints.count), "must have at most 1000 items")) }
        for (i, e) in endpoints.enumerated() {
            let ep = "endpoints[\(i)]"
            let addresses = e.addresses ?? []
            if addresses.isEmpty { errs.append(.required("\(ep).addresses", "must contain at least 1 address")) }
            else if addresses.count > 100 { errs.append(FieldError(.tooMany, "\(ep).addresses", value: String(addresses.count), "must have at most 100 items")) }
            for (j, a) in addresses.enumerated() {
                let path = "\(ep).addresses[\(j)]"
                switch type {
                case "IPv4": if !IPSyntax.isIPv4(a) { errs.append(.invalid(path, a, "must be a valid IPv4 address")) }
                case "IPv6": if !IPSyntax.isIPv6(a) { errs.append(.invalid(path, a, "must be a valid IPv6 address")) }
                case "FQDN": errs += Validation.validateFullyQualifiedDomainName(a, path: path)
                default: break
                }
            }
            if let h = e.hostname, !h.isEmpty { errs += Validation.isDNS1123Label(h).map { FieldError.invalid("\(ep).hostname", h, $0) } }
            if let n = e.nodeName, !n.isEmpty { errs += Validation.isDNS1123Subdomain(n).map { FieldError.invalid("\(ep).nodeName", n, $0) } }
        }
        let ports = obj.ports ?? []
        if ports.count > 20000 { errs.append(FieldError(.tooMany, "ports", value: String(ports.count), "must have at most 20000 items")) }
        var names = Set<String>()
        for (i, p) in ports.enumerated() {
            let pp = "ports[\(i)]"
            let name = p.name ?? ""
            if !name.isEmpty { errs += Validation.isDNS1123Label(name).map { FieldError.invalid("\(pp).name", name, $0) } }
            if !names.insert(name).inserted { errs.append(.duplicate("\(pp).name", name)) }
            errs += ContainerValidation.protocolErrors(p.protocol, path: "\(pp).protocol")
            if let port = p.port, port != 0 { errs += Validation.validatePortNumber(port, path: "\(pp).port") }
        }
        return errs
    }

    public func validateUpdate(_ new: DiscoveryV1.EndpointSlice, old: DiscoveryV1.EndpointSlice) -> [FieldError] {
        GoFormat.immutableString(new.addressType, old.addressType, path: "addressType")
    }

    public var tableColumns: [TableColumn] {
        [.name, .string("AddressType", "Type of address contained in this EndpointSlice."),
         .string("Ports", "Ports contained in this EndpointSlice."), .string("Endpoints", "Endpoints contained in this EndpointSlice."), .age]
    }

    public func tableCells(_ obj: DiscoveryV1.EndpointSlice, now: Date) -> [JSONValue] {
        let ports = (obj.ports ?? []).map { p -> String in
            if let n = p.port { return String(n) }
            if let name = p.name { return name }
            return "*"
        }
        let addresses = (obj.endpoints ?? []).flatMap { $0.addresses ?? [] }
        return [TableFormat.name(obj), .string(obj.addressType ?? ""),
                .string(TableFormat.listWithMore(ports, count: ports.count, max: 3, empty: "<unset>")),
                .string(TableFormat.listWithMore(addresses, count: addresses.count, max: 3, empty: "<unset>")), TableFormat.age(obj, now)]
    }
}
