import Foundation
import Logging
import TugAPI
import TugClient

/// Keeps the discovery.k8s.io/v1 EndpointSlices of each Service with a selector, as
/// Kubernetes' endpointslice controller: one endpoint per selected pod with an IP (terminating
/// pods too, marked so), with its ready/serving/terminating conditions, node, zone and pod
/// reference; slices of at most `maxEndpointsPerSlice`, grouped by the ports the pods resolve
/// to, named `<service>-<random>`, owned by the Service, updated in place.
public struct EndpointSliceController: Controller {
    public let name = "endpointslice"
    public let queue = WorkQueue()
    let client: APIClient
    let services: Informer<CoreV1.Service>
    let pods: Informer<CoreV1.Pod>
    let nodes: Informer<CoreV1.Node>
    let slices: Informer<DiscoveryV1.EndpointSlice>
    let maxEndpointsPerSlice: Int
    let tracker = EndpointSliceTracker()
    let triggerTimes = TriggerTimeTracker()
    let logger: Logger

    static let serviceIndex = "service"
    static let zoneLabel = "topology.kubernetes.io/zone"

    public init(client: APIClient, services: Informer<CoreV1.Service>, pods: Informer<CoreV1.Pod>, nodes: Informer<CoreV1.Node>,
                slices: Informer<DiscoveryV1.EndpointSlice>, maxEndpointsPerSlice: Int = 100, logger: Logger) {
        self.client = client
        self.services = services
        self.pods = pods
        self.nodes = nodes
        self.slices = slices
        self.maxEndpointsPerSlice = max(1, maxEndpointsPerSlice)
        self.logger = logger
    }

    /// The service key of a slice this controller manages.
    static func serviceKey(_ s: DiscoveryV1.EndpointSlice) -> String? {
        guard s.metadata.labels?[EndpointSliceReconciler.managedByLabel] == EndpointSliceReconciler.controllerName,
              let svc = s.metadata.labels?[EndpointSliceReconciler.serviceNameLabel] else { return nil }
        return Informer<CoreV1.Service>.key(namespace: s.metadata.namespace, name: svc)
    }

    public func start() async {
        let queue = self.queue, tracker = self.tracker
        await pods.addIndex(IndexNames.namespace) { [$0.metadata.namespace ?? ""] }
        await ServiceEndpoints.installHandlers(services: services, pods: pods, queue: queue)
        await slices.addIndex(Self.serviceIndex) { Self.serviceKey($0).map { [$0] } ?? [] }
        // Slices changed or deleted by others are put right.
        await slices.addHandler { event in
            switch event {
            case .added(let s), .updated(_, let s):
                if let key = Self.serviceKey(s) { await queue.add(key) }
            case .deleted(let s):
                guard let key = Self.serviceKey(s) else { return }
                await tracker.observedDeletion(key, s.metadata.name ?? "")
                await queue.add(key)
            }
        }
    }

    public func sync(_ key: String) async throws {
        let cached = await slices.byIndex(Self.serviceIndex, key)
        guard let svc = await services.get(key) else {
            await triggerTimes.forget(key)
            // Owned by the Service, but the garbage collector follows only workload owners: delete them here.
            for s in cached { try await delete(s, serviceKey: key) }
            return
        }
        guard let selector = ServiceEndpoints.selector(svc) else { return }
        if await tracker.isStale(key, cached: cached) {
            await queue.add(key, after: .milliseconds(50))
            return
        }
        let selected = await pods.byIndex(IndexNames.namespace, svc.metadata.namespace ?? "")
            .filter { selector.matches(labels: $0.metadata.labels ?? [:]) }
            .sorted { ($0.metadata.name ?? "") < ($1.metadata.name ?? "") }
        let triggerTime = await triggerTimes.compute(serviceKey: key, service: svc, pods: selected)
        let reconciler = EndpointSliceReconciler(service: svc, maxEndpointsPerSlice: maxEndpointsPerSlice,
                                                 triggerTime: triggerTime.map(TriggerTimeTracker.format))
        var desired: [EndpointSliceReconciler.Meta: [DiscoveryV1.Endpoint]] = [:]
        var missingNodes: [String] = []
        for p in selected where ServiceEndpoints.shouldInclude(p, includeTerminating: true) {
            var node: CoreV1.Node?
            if let nodeName = p.spec?.nodeName, !nodeName.isEmpty {
                node = await nodes.get(nodeName)
                // Kubernetes leaves such a pod out and retries: the node may still be on its way.
                if node == nil { missingNodes.append(nodeName); continue }
            }
            let ports = Self.ports(svc, p)
            for addressType in reconciler.addressTypes {
                let addresses = ServiceEndpoints.podIPs(p).filter { ServiceEndpoints.isIPv6($0) == (addressType == "IPv6") }
                guard !addresses.isEmpty else { continue }
                desired[EndpointSliceReconciler.Meta(ports: ports, addressType: addressType), default: []]
                    .append(Self.endpoint(p, node: node, service: svc, addresses: addresses))
            }
        }
        let plan = reconciler.reconcile(desired: desired, existing: cached)
        for s in plan.create {
            do {
                let created = try await client.create(s)
                await tracker.wrote(key, created)
            } catch let e as APIError where e.details?.causes.contains(where: { $0.reason == "NamespaceTerminating" }) == true {
                return
            }
        }
        for s in plan.update {
            let updated = try await client.update(s)
            await tracker.wrote(key, updated)
        }
        for s in plan.delete { try await delete(s, serviceKey: key) }
        if !missingNodes.isEmpty {
            throw EndpointSliceError.nodeNotFound(service: key, nodes: missingNodes)
        }
    }

    func delete(_ s: DiscoveryV1.EndpointSlice, serviceKey: String) async throws {
        do {
            try await client.delete(DiscoveryV1.EndpointSlice.self, namespace: s.metadata.namespace, name: s.metadata.name ?? "",
                                    preconditionUID: s.metadata.uid)
        } catch let e as APIError where e.code == 404 {}
        await tracker.deleted(serviceKey, s.metadata.name ?? "")
    }

    /// The service ports this pod serves (named target ports resolved through its containers).
    static func ports(_ svc: CoreV1.Service, _ pod: CoreV1.Pod) -> [DiscoveryV1.EndpointPort] {
        EndpointSliceReconciler.sortedPorts((svc.spec?.ports ?? []).compactMap { sp in
            ServiceEndpoints.findPort(pod, sp).map {
                DiscoveryV1.EndpointPort(name: sp.name ?? "", protocol: sp.protocol ?? "TCP", port: $0, appProtocol: sp.appProtocol)
            }
        })
    }

    /// Conditions as Kubernetes sets them: serving follows readiness; ready is never true for a
    /// terminating pod; publishNotReadyAddresses makes both true.
    static func endpoint(_ p: CoreV1.Pod, node: CoreV1.Node?, service svc: CoreV1.Service, addresses: [String]) -> DiscoveryV1.Endpoint {
        let publish = svc.spec?.publishNotReadyAddresses ?? false
        let serving = publish || PodState.isReady(p)
        let terminating = p.metadata.deletionTimestamp != nil
        let zone = node?.metadata.labels?[zoneLabel]
        return DiscoveryV1.Endpoint(addresses: addresses,
                                    conditions: DiscoveryV1.EndpointConditions(ready: publish || (serving && !terminating), serving: serving,
                                                                               terminating: terminating),
                                    hostname: ServiceEndpoints.hostname(p, for: svc), targetRef: ServiceEndpoints.targetRef(p),
                                    nodeName: (p.spec?.nodeName ?? "").isEmpty ? nil : p.spec?.nodeName,
                                    zone: (zone ?? "").isEmpty ? nil : zone)
    }
}

enum EndpointSliceError: Error, CustomStringConvertible {
    case nodeNotFound(service: String, nodes: [String])
    var description: String {
        switch self {
        case .nodeNotFound(let svc, let nodes):
            return "service \(svc): pods on nodes \(nodes.joined(separator: ", ")) left out, those nodes are not known (yet)"
        }
    }
}
