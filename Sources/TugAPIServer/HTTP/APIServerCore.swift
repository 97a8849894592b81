import Foundation
import Logging
import Synchronization
import TugAPI
import TugStore

/// The API server's shared parts: store, watch caches, resource handlers.
public final class APIServerCore: Sendable {
    public let store: any Store
    public let dispatcher: CacheDispatcher
    public let registry: ResourceRegistry
    let listServing: ListServing
    let watchServing: WatchServing
    let logger: Logger
    let serverAddress: String
    private let ready = Atomic<Bool>(false)

    let services: ServiceAllocator
    public static let defaultServiceCIDR = IPv4Network("10.43.0.0/16")!
    /// The address pods reach the API server on, for the `kubernetes` Service's endpoints.
    let advertiseAddress: String?

    /// `serviceCIDR` (/12 to /30, see `problemWithServiceCIDR`) is where Services get cluster IPs.
    public init(store: any Store, serverAddress: String, logger: Logger,
                serviceCIDR: IPv4Network = APIServerCore.defaultServiceCIDR, advertiseAddress: String? = nil) {
        self.store = store
        self.logger = logger
        self.serverAddress = serverAddress
        self.advertiseAddress = advertiseAddress
        let dispatcher = CacheDispatcher(store: store, logger: logger)
        self.dispatcher = dispatcher
        let services = ServiceAllocator(serviceCIDR: serviceCIDR)
        self.services = services
        let admission = AdmissionContext(store: store, dispatcher: dispatcher, fieldManager: FieldManager(), services: services)
        self.registry = ResourceRegistry(store: store, dispatcher: dispatcher, admission: admission)
        self.listServing = ListServing(dispatcher: dispatcher, store: store)
        self.watchServing = WatchServing(dispatcher: dispatcher, store: store)
    }

    func isReady() -> Bool { ready.load(ordering: .acquiring) }
    func markReady() { ready.store(true, ordering: .releasing) }

    /// Why `--service-cidr` cannot be used, or nil when it can.
    public static func problemWithServiceCIDR(_ text: String) -> String? { ServiceAllocator.problem(serviceCIDR: text) }

    /// The n-th usable address of the service CIDR: 0 is the `kubernetes` Service, 9 cluster DNS.
    public func serviceAddress(_ n: Int) async -> String { await services.address(n) }

    /// The namespaces and Services every cluster has (`kubernetes`, `kube-dns`).
    public func bootstrap() async throws {
        guard let nsHandler = registry.handler(group: "", version: "v1", resource: "namespaces") else { return }
        for ns in ["default", "kube-system", "kube-public", "kube-node-lease"] {
            do {
                _ = try await nsHandler.create(namespace: nil, body: ["apiVersion": "v1", "kind": "Namespace", "metadata": ["name": .string(ns)]],
                                               options: WriteOptions())
            } catch let e as APIError where e.reason == "AlreadyExists" {}
        }
        try await SystemServices.ensure(core: self)
    }

    /// POST on `pods/binding` and `pods/eviction`.
    func createSubresource(_ h: ResourceHandler, namespace: String?, name: String, subresource: String, body: JSONValue, options: WriteOptions) async throws -> WriteResult {
        guard h.info.group.isEmpty, h.info.resource == "pods" else {
            throw APIError(code: 405, reason: "MethodNotAllowed", message: "POST is not supported on \(h.info.resource)/\(subresource)")
        }
        switch subresource {
        case "binding": return try await PodBinding.bind(registry.pods, namespace: namespace, name: name, body: body, options: options)
        case "eviction": return try await PodEviction.evict(registry.pods, core: self, namespace: namespace, name: name, body: body)
        default: throw APIError(code: 405, reason: "MethodNotAllowed", message: "POST is not supported on pods/\(subresource)")
        }
    }

    /// DELETE on a collection: deletes each matching object, answers with the list of them.
    func deleteCollection(_ h: ResourceHandler, namespace: String?, query: [String: String], options: DeleteOptions) async throws -> [UInt8] {
        guard h.info.verbs.contains("deletecollection") else {
            throw APIError(code: 405, reason: "MethodNotAllowed", message: "deletecollection is not supported on \(h.info.groupResource)")
        }
        let filter = try SelectorQuery.filter(namespace: namespace, query: query, handler: h)
        await dispatcher.waitUntil(try await store.currentRevision)
        let snap = h.cache.snapshot(filter)
        var items: [[UInt8]] = []
        for o in snap.objects {
            do {
                items.append(try await h.delete(namespace: o.namespace, name: o.name, options: options).bytes)
            } catch let e as APIError where e.code == 404 {}
        }
        var out = Array("{\"kind\":\"\(h.info.listKind)\",\"apiVersion\":\"\(h.info.apiVersion)\",\"metadata\":{},\"items\":[".utf8)
        for (i, b) in items.enumerated() {
            if i > 0 { out.append(UInt8(ascii: ",")) }
            out += b
        }
        out += Array("]}".utf8)
        return out
    }
}
