import Foundation
import Logging
import TugAPI
import TugAgent
import TugRuntime

/// Builders and a temp directory for the agent's config and volume tests.
enum Fixtures {
    static func pod(_ name: String = "web", namespace: String = "team", containers: [CoreV1.Container] = [container()],
                    volumes: [CoreV1.Volume]? = nil) -> CoreV1.Pod {
        var p = CoreV1.Pod(metadata: MetaV1.ObjectMeta(name: name, namespace: namespace))
        p.metadata.uid = "6f1d2c3a-0000-4000-8000-000000000001"
        p.spec = CoreV1.PodSpec(containers: containers)
        p.spec?.nodeName = "node-1"
        p.spec?.serviceAccountName = "default"
        p.spec?.volumes = volumes
        return p
    }

    static func container(_ name: String = "app", env: [CoreV1.EnvVar]? = nil, envFrom: [CoreV1.EnvFromSource]? = nil) -> CoreV1.Container {
        var c = CoreV1.Container()
        c.name = name
        c.image = "busybox"
        c.env = env
        c.envFrom = envFrom
        return c
    }

    static func env(_ name: String, _ value: String) -> CoreV1.EnvVar {
        var e = CoreV1.EnvVar()
        e.name = name
        e.value = value
        return e
    }

    static func env(_ name: String, from source: CoreV1.EnvVarSource) -> CoreV1.EnvVar {
        var e = CoreV1.EnvVar()
        e.name = name
        e.valueFrom = source
        return e
    }

    static func fieldRef(_ path: String) -> CoreV1.EnvVarSource {
        var s = CoreV1.EnvVarSource()
        var f = CoreV1.ObjectFieldSelector()
        f.fieldPath = path
        s.fieldRef = f
        return s
    }

    static func resourceRef(_ resource: String, divisor: String? = nil, container: String? = nil) -> CoreV1.ResourceFieldSelector {
        var r = CoreV1.ResourceFieldSelector()
        r.resource = resource
        r.divisor = divisor.map { Quantity($0) }
        r.containerName = container
        return r
    }

    static func configMapKey(_ name: String, _ key: String, optional: Bool? = nil) -> CoreV1.EnvVarSource {
        var s = CoreV1.EnvVarSource()
        var k = CoreV1.ConfigMapKeySelector()
        k.name = name
        k.key = key
        k.optional = optional
        s.configMapKeyRef = k
        return s
    }

    static func secretKey(_ name: String, _ key: String, optional: Bool? = nil) -> CoreV1.EnvVarSource {
        var s = CoreV1.EnvVarSource()
        var k = CoreV1.SecretKeySelector()
        k.name = name
        k.key = key
        k.optional = optional
        s.secretKeyRef = k
        return s
    }

    static func configMap(_ name: String, namespace: String = "team", _ data: [String: String], binary: [String: [UInt8]]? = nil) -> CoreV1.ConfigMap {
        var cm = CoreV1.ConfigMap(metadata: MetaV1.ObjectMeta(name: name, namespace: namespace))
        cm.data = data
        cm.binaryData = binary?.mapValues { Data($0) }
        return cm
    }

    static func secret(_ name: String, namespace: String = "team", _ data: [String: String]) -> CoreV1.Secret {
        var s = CoreV1.Secret(metadata: MetaV1.ObjectMeta(name: name, namespace: namespace))
        s.data = data.mapValues { Data($0.utf8) }
        return s
    }

    static func service(_ name: String, namespace: String, clusterIP: String?, ports: [(String?, Int, String?)]) -> CoreV1.Service {
        var s = CoreV1.Service(metadata: MetaV1.ObjectMeta(name: name, namespace: namespace))
        var spec = CoreV1.ServiceSpec()
        spec.clusterIP = clusterIP
        spec.ports = ports.map { name, port, proto in
            var p = CoreV1.ServicePort()
            p.name = name
            p.port = port
            p.protocol = proto
            return p
        }
        s.spec = spec
        return s
    }

    static let context = PodEnvironmentContext(nodeName: "node-1", hostIPs: ["192.168.1.10"], podIPs: ["10.42.0.7"],
                                               nodeAllocatable: ["cpu": "4", "memory": "8Gi", "ephemeral-storage": "100Gi"])

    static func names(_ env: [TugRuntime.EnvVar]) -> [String] { env.map(\.name) }
}

/// A fresh directory under the system temp dir, removed (with any tmpfs unmounted) at the end.
final class TempDirectory: @unchecked Sendable {
    let path: String

    init() throws {
        path = FileManager.default.temporaryDirectory.appendingPathComponent("tug-agent-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    }

    deinit {
        try? FileManager.default.removeItem(atPath: path)
    }

    func sub(_ p: String) -> String { (path as NSString).appendingPathComponent(p) }
}

enum Files {
    static func read(_ path: String) -> String? {
        FileManager.default.contents(atPath: path).map { String(decoding: $0, as: UTF8.self) }
    }

    static func link(_ path: String) -> String? { try? FileManager.default.destinationOfSymbolicLink(atPath: path) }

    static func mode(_ path: String) -> Int? {
        (try? FileManager.default.attributesOfItem(atPath: path)[.posixPermissions] as? NSNumber)?.intValue
    }

    static func list(_ path: String) -> [String] { ((try? FileManager.default.contentsOfDirectory(atPath: path)) ?? []).sorted() }

    static func isSymlink(_ path: String) -> Bool {
        (try? FileManager.default.attributesOfItem(atPath: path)[.type] as? FileAttributeType) == .typeSymbolicLink
    }
}
