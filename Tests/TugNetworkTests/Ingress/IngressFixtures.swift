import Foundation
import TugAPI
@testable import TugNetwork

/// Builders for the Ingress tests: Ingresses, Services and EndpointSlices as a user or the
/// EndpointSlice controller would write them.
enum IngressFixtures {
    static func path(_ path: String, _ type: String, service: String, port: Int? = nil, portName: String? = nil) -> NetworkingV1.HTTPIngressPath {
        NetworkingV1.HTTPIngressPath(path: path, pathType: type, backend: backend(service, port: port, portName: portName))
    }

    static func backend(_ service: String, port: Int? = nil, portName: String? = nil) -> NetworkingV1.IngressBackend {
        NetworkingV1.IngressBackend(service: NetworkingV1.IngressServiceBackend(
            name: service, port: NetworkingV1.ServiceBackendPort(name: portName, number: port)))
    }

    static func ingress(_ name: String, namespace: String = "default", className: String? = "tugboat", host: String? = nil,
                        paths: [NetworkingV1.HTTPIngressPath] = [], defaultBackend: NetworkingV1.IngressBackend? = nil,
                        created: Date = Date(timeIntervalSince1970: 1_700_000_000),
                        annotations: [String: String]? = nil, tls: [NetworkingV1.IngressTLS]? = nil) -> NetworkingV1.Ingress {
        var meta = MetaV1.ObjectMeta(name: name, namespace: namespace)
        meta.creationTimestamp = Time(created)
        meta.annotations = annotations
        var spec = NetworkingV1.IngressSpec()
        spec.ingressClassName = className
        spec.defaultBackend = defaultBackend
        spec.tls = tls
        if !paths.isEmpty {
            spec.rules = [NetworkingV1.IngressRule(host: host, http: NetworkingV1.HTTPIngressRuleValue(paths: paths))]
        }
        return NetworkingV1.Ingress(metadata: meta, spec: spec)
    }

    static func ingressClass(_ name: String, controller: String, isDefault: Bool = false) -> NetworkingV1.IngressClass {
        var meta = MetaV1.ObjectMeta(name: name)
        if isDefault { meta.annotations = [IngressClassPolicy.defaultClassAnnotation: "true"] }
        return NetworkingV1.IngressClass(metadata: meta, spec: NetworkingV1.IngressClassSpec(controller: controller))
    }

    static func service(_ name: String, namespace: String = "default", ports: [(name: String?, port: Int, target: Int)]) -> CoreV1.Service {
        var s = CoreV1.Service(metadata: MetaV1.ObjectMeta(name: name, namespace: namespace))
        s.spec = CoreV1.ServiceSpec(ports: ports.map {
            CoreV1.ServicePort(name: $0.name, protocol: "TCP", port: $0.port, targetPort: .int($0.target))
        })
        return s
    }

    static func slice(_ name: String, service: String, namespace: String = "default", ports: [(name: String?, port: Int)],
                      ready: [String], notReady: [String] = []) -> DiscoveryV1.EndpointSlice {
        var meta = MetaV1.ObjectMeta(name: name, namespace: namespace)
        meta.labels = [IngressBackendResolver.serviceNameLabel: service]
        var s = DiscoveryV1.EndpointSlice(metadata: meta)
        s.addressType = "IPv4"
        s.ports = ports.map { DiscoveryV1.EndpointPort(name: $0.name, protocol: "TCP", port: $0.port) }
        s.endpoints = ready.map { DiscoveryV1.Endpoint(addresses: [$0], conditions: DiscoveryV1.EndpointConditions(ready: true)) }
            + notReady.map { DiscoveryV1.Endpoint(addresses: [$0], conditions: DiscoveryV1.EndpointConditions(ready: false)) }
        return s
    }

    /// A table from Ingresses whose backends all have one ready endpoint, named after the service
    /// (`svc` -> host `svc`, port 80), so tests can read which backend a route chose.
    static func routes(_ ingresses: [NetworkingV1.Ingress]) -> IngressRoutes {
        let compiled = ingresses.map(CompiledIngress.init)
        var backends: [IngressBackendRef: IngressBackendState] = [:]
        for c in compiled { for ref in c.backendRefs { backends[ref] = .ready([IngressEndpoint(host: ref.service, port: 80)]) } }
        return IngressRoutes(ingresses: compiled, backends: backends)
    }
}

extension IngressRoutes {
    /// The service a request is routed to, or nil for no route.
    func service(host: String?, path: String) -> String? {
        guard let route = route(host: host, path: path) else { return nil }
        if case .service(let ref) = route.target { return ref.service }
        return nil
    }
}
