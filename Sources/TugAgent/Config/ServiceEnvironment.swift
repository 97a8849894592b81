import Foundation
import TugAPI
import TugRuntime

/// The Docker-links style variables the kubelet gives every container for the Services it can
/// see (`envvars.FromServices`): `{SVC}_SERVICE_HOST`, `{SVC}_SERVICE_PORT`,
/// `{SVC}_SERVICE_PORT_{NAME}` per named port, and `{SVC}_PORT`, `{SVC}_PORT_{port}_{PROTO}`
/// with `_PROTO`, `_PORT`, `_ADDR`. Services without a cluster IP (headless, ExternalName) give
/// nothing.
public enum ServiceEnvironment {
    /// The Services of the API server's own namespace whose variables every pod gets, even with
    /// `enableServiceLinks: false`.
    static let masterServices: Set<String> = ["kubernetes"]

    /// The Services a pod of `namespace` sees (kubelet's `getServiceEnvVarMap`): `kubernetes` of
    /// `default` always, and with service links every Service of the pod's namespace, which wins
    /// over a master service of the same name.
    public static func visibleServices(namespace: String, enableServiceLinks: Bool, namespaceServices: [CoreV1.Service],
                                       defaultNamespaceServices: [CoreV1.Service]) -> [CoreV1.Service] {
        var byName: [String: CoreV1.Service] = [:]
        for s in defaultNamespaceServices where isClusterIPSet(s) {
            let name = s.metadata.name ?? ""
            if masterServices.contains(name) { byName[name] = s }
        }
        if enableServiceLinks {
            for s in namespaceServices where isClusterIPSet(s) {
                let name = s.metadata.name ?? ""
                if namespace == "default" && masterServices.contains(name) { continue }
                byName[name] = s
            }
        }
        return byName.keys.sorted().compactMap { byName[$0] }
    }

    /// Whether the Service has a virtual IP (`IsServiceIPSet`): not empty and not `None`.
    public static func isClusterIPSet(_ service: CoreV1.Service) -> Bool {
        let ip = service.spec?.clusterIP ?? ""
        return !ip.isEmpty && ip != "None"
    }

    /// The variables of `services`, in the kubelet's order for each service.
    public static func variables(for services: [CoreV1.Service]) -> [TugRuntime.EnvVar] {
        var result: [TugRuntime.EnvVar] = []
        for service in services where isClusterIPSet(service) {
            guard let ports = service.spec?.ports, let first = ports.first else { continue }
            let clusterIP = service.spec?.clusterIP ?? ""
            let prefix = variableName(service.metadata.name ?? "")
            result.append(TugRuntime.EnvVar(prefix + "_SERVICE_HOST", clusterIP))
            let portVar = prefix + "_SERVICE_PORT"
            result.append(TugRuntime.EnvVar(portVar, String(first.port ?? 0)))
            for p in ports {
                if let name = p.name, !name.isEmpty {
                    result.append(TugRuntime.EnvVar(portVar + "_" + variableName(name), String(p.port ?? 0)))
                }
            }
            result += linkVariables(prefix: prefix, clusterIP: clusterIP, ports: ports)
        }
        return result
    }

    static func linkVariables(prefix: String, clusterIP: String, ports: [CoreV1.ServicePort]) -> [TugRuntime.EnvVar] {
        var all: [TugRuntime.EnvVar] = []
        for (i, p) in ports.enumerated() {
            let proto = (p.protocol ?? "").isEmpty ? "TCP" : p.protocol!
            let port = p.port ?? 0
            let url = "\(proto.lowercased())://\(joinHostPort(clusterIP, port))"
            // Docker special-cases the first port.
            if i == 0 { all.append(TugRuntime.EnvVar(prefix + "_PORT", url)) }
            let portPrefix = "\(prefix)_PORT_\(port)_\(proto.uppercased())"
            all.append(TugRuntime.EnvVar(portPrefix, url))
            all.append(TugRuntime.EnvVar(portPrefix + "_PROTO", proto.lowercased()))
            all.append(TugRuntime.EnvVar(portPrefix + "_PORT", String(port)))
            all.append(TugRuntime.EnvVar(portPrefix + "_ADDR", clusterIP))
        }
        return all
    }

    /// `host:port`, with brackets around an IPv6 host (Go's `net.JoinHostPort`).
    static func joinHostPort(_ host: String, _ port: Int) -> String {
        host.contains(":") ? "[\(host)]:\(port)" : "\(host):\(port)"
    }

    /// A service or port name as a variable name: upper case, `-` as `_`.
    public static func variableName(_ name: String) -> String {
        name.replacingOccurrences(of: "-", with: "_").uppercased()
    }
}
