import Foundation
import Logging
import TugAPI
import TugClient

/// Where the agent reads the objects a pod's spec refers to: ConfigMaps and Secrets by name, and
/// the Services whose addresses become environment variables. A missing object is `nil` (not an
/// error), so callers can apply `optional` exactly as the kubelet does.
public protocol PodConfigSource: Sendable {
    func configMap(namespace: String, name: String) async throws -> CoreV1.ConfigMap?
    func secret(namespace: String, name: String) async throws -> CoreV1.Secret?
    /// Every Service of `namespace` (headless ones included; callers skip them).
    func services(namespace: String) async throws -> [CoreV1.Service]
}

/// A `PodConfigSource` that asks the API server for ConfigMaps and Secrets each time (plain
/// GETs), and reads Services from a watch when it has one, as kubelet reads them from its
/// informer: a pod's start then costs no list of every Service of its namespace and `default`.
public struct APIPodConfigSource: PodConfigSource {
    public let client: APIClient
    /// All Services, indexed by namespace (`Self.namespaceIndex`); lists go to the API server
    /// until it has synced.
    let serviceWatch: Informer<CoreV1.Service>?
    public static let namespaceIndex = "namespace"

    public init(client: APIClient, services: Informer<CoreV1.Service>? = nil) {
        self.client = client
        self.serviceWatch = services
    }

    /// A Service informer with the index `APIPodConfigSource` reads; the caller runs it.
    public static func serviceInformer(client: APIClient, logger: Logger) async -> Informer<CoreV1.Service> {
        let informer = Informer<CoreV1.Service>(client: client, logger: logger)
        await informer.addIndex(namespaceIndex) { [$0.metadata.namespace ?? ""] }
        return informer
    }

    public func configMap(namespace: String, name: String) async throws -> CoreV1.ConfigMap? {
        do {
            return try await client.get(CoreV1.ConfigMap.self, namespace: namespace, name: name)
        } catch let e as APIError where e.code == 404 {
            return nil
        }
    }

    public func secret(namespace: String, name: String) async throws -> CoreV1.Secret? {
        do {
            return try await client.get(CoreV1.Secret.self, namespace: namespace, name: name)
        } catch let e as APIError where e.code == 404 {
            return nil
        }
    }

    public func services(namespace: String) async throws -> [CoreV1.Service] {
        if let serviceWatch, await serviceWatch.hasSynced { return await serviceWatch.byIndex(Self.namespaceIndex, namespace) }
        return try await client.listAll(CoreV1.Service.self, namespace: namespace).items
    }
}

/// A `PodConfigSource` held in memory: for static pods, hollow nodes and tests. Objects can be
/// replaced at any time, so volume updates can be exercised.
public actor InMemoryPodConfigSource: PodConfigSource {
    private var configMaps: [String: CoreV1.ConfigMap] = [:]
    private var secrets: [String: CoreV1.Secret] = [:]
    private var servicesByKey: [String: CoreV1.Service] = [:]

    public init(configMaps: [CoreV1.ConfigMap] = [], secrets: [CoreV1.Secret] = [], services: [CoreV1.Service] = []) {
        for c in configMaps { self.configMaps[Self.key(c.metadata)] = c }
        for s in secrets { self.secrets[Self.key(s.metadata)] = s }
        for s in services { servicesByKey[Self.key(s.metadata)] = s }
    }

    static func key(_ meta: MetaV1.ObjectMeta) -> String { "\(meta.namespace ?? "default")/\(meta.name ?? "")" }

    public func put(_ configMap: CoreV1.ConfigMap) { configMaps[Self.key(configMap.metadata)] = configMap }
    public func put(_ secret: CoreV1.Secret) { secrets[Self.key(secret.metadata)] = secret }
    public func put(_ service: CoreV1.Service) { servicesByKey[Self.key(service.metadata)] = service }
    public func removeConfigMap(namespace: String, name: String) { configMaps["\(namespace)/\(name)"] = nil }
    public func removeSecret(namespace: String, name: String) { secrets["\(namespace)/\(name)"] = nil }

    public func configMap(namespace: String, name: String) async throws -> CoreV1.ConfigMap? { configMaps["\(namespace)/\(name)"] }
    public func secret(namespace: String, name: String) async throws -> CoreV1.Secret? { secrets["\(namespace)/\(name)"] }
    public func services(namespace: String) async throws -> [CoreV1.Service] {
        servicesByKey.values.filter { ($0.metadata.namespace ?? "default") == namespace }.sorted { ($0.metadata.name ?? "") < ($1.metadata.name ?? "") }
    }
}
