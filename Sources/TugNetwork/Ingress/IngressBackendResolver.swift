import Foundation
import TugAPI

/// One address the proxy can forward to.
public struct IngressEndpoint: Hashable, Sendable, CustomStringConvertible {
    public let host: String
    public let port: Int

    public init(host: String, port: Int) {
        self.host = host
        self.port = port
    }

    /// `host:port`, with IPv6 addresses in brackets, as a URL authority wants it.
    public var authority: String { host.contains(":") ? "[\(host)]:\(port)" : "\(host):\(port)" }
    public var description: String { authority }
}

/// What the proxy can do with a backend right now.
public enum IngressBackendState: Hashable, Sendable {
    /// Ready endpoints (never empty).
    case ready([IngressEndpoint])
    /// Nothing to forward to, and why (answered with 503).
    case unavailable(String)
}

/// Resolves a Service backend to its ready endpoints as kube-proxy does: the Service port the
/// Ingress names (by number or name), then in the Service's EndpointSlices the port of the same
/// name, and the first address of every endpoint that is ready.
public enum IngressBackendResolver {
    public static let serviceNameLabel = "kubernetes.io/service-name"

    public static func resolve(_ ref: IngressBackendRef, service: CoreV1.Service?, slices: [DiscoveryV1.EndpointSlice]) -> IngressBackendState {
        guard let service, service.metadata.deletionTimestamp == nil else {
            return .unavailable("service \(ref.serviceKey) does not exist")
        }
        let ports = service.spec?.ports ?? []
        let servicePort: CoreV1.ServicePort?
        switch ref.port {
        case .number(let n): servicePort = ports.first { $0.port == n }
        case .name(let name): servicePort = ports.first { ($0.name ?? "") == name }
        }
        guard let servicePort, (servicePort.protocol ?? "TCP") == "TCP" else {
            return .unavailable("service \(ref.serviceKey) has no TCP port \(ref.port)")
        }
        if service.spec?.type == "ExternalName" {
            guard let external = service.spec?.externalName, !external.isEmpty, let port = servicePort.port else {
                return .unavailable("ExternalName service \(ref.serviceKey) names no host")
            }
            return .ready([IngressEndpoint(host: external, port: port)])
        }
        let portName = servicePort.name ?? ""
        var seen: Set<IngressEndpoint> = []
        for slice in slices where slice.metadata.deletionTimestamp == nil {
            guard slice.addressType == "IPv4" || slice.addressType == "IPv6" else { continue }
            guard let slicePort = (slice.ports ?? []).first(where: { ($0.name ?? "") == portName && ($0.protocol ?? "TCP") == "TCP" }),
                  let target = slicePort.port, target > 0 else { continue }
            for endpoint in slice.endpoints ?? [] where endpoint.conditions?.ready != false {
                // The API says consumers use the first address; the rest are the same endpoint.
                guard let address = endpoint.addresses?.first, !address.isEmpty else { continue }
                seen.insert(IngressEndpoint(host: address, port: target))
            }
        }
        if seen.isEmpty { return .unavailable("service \(ref.serviceKey) has no ready endpoints for port \(ref.port)") }
        return .ready(seen.sorted { ($0.host, $0.port) < ($1.host, $1.port) })
    }

    /// `namespace/service` of the Service an EndpointSlice belongs to (nil for unowned slices).
    public static func serviceKey(of slice: DiscoveryV1.EndpointSlice) -> String? {
        guard let name = slice.metadata.labels?[serviceNameLabel], !name.isEmpty else { return nil }
        return "\(slice.metadata.namespace ?? "")/\(name)"
    }
}
