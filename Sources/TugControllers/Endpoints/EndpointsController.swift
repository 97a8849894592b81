import Foundation
import Logging
import TugAPI
import TugClient

/// Keeps one core/v1 Endpoints object per Service with a selector, as Kubernetes' endpoints
/// controller: the IPs of the selected pods (ready ones in `addresses`, others in
/// `notReadyAddresses`; terminating ones only with `publishNotReadyAddresses`), each service
/// port resolved per pod (named target ports through the pod's container ports), at most
/// 1000 addresses. Services without a selector keep the Endpoints their users write.
public struct EndpointsController: Controller {
    public let name = "endpoints"
    public let queue = WorkQueue()
    let client: APIClient
    let services: Informer<CoreV1.Service>
    let pods: Informer<CoreV1.Pod>
    let endpoints: Informer<CoreV1.Endpoints>
    let triggerTimes = TriggerTimeTracker()
    let logger: Logger

    public init(client: APIClient, services: Informer<CoreV1.Service>, pods: Informer<CoreV1.Pod>,
                endpoints: Informer<CoreV1.Endpoints>, logger: Logger) {
        self.client = client
        self.services = services
        self.pods = pods
        self.endpoints = endpoints
        self.logger = logger
    }

    public func start() async {
        let queue = self.queue
        await pods.addIndex(IndexNames.namespace) { [$0.metadata.namespace ?? ""] }
        await ServiceEndpoints.installHandlers(services: services, pods: pods, queue: queue)
        // Someone deleting the Endpoints of a service gets them back.
        await endpoints.addHandler { event in
            if case .deleted(let e) = event { await queue.add(Informer<CoreV1.Endpoints>.key(e)) }
        }
    }

    public func sync(_ key: String) async throws {
        let (ns, name) = Self.split(key)
        guard let svc = await services.get(key) else {
            await triggerTimes.forget(key)
            do {
                try await client.delete(CoreV1.Endpoints.self, namespace: ns, name: name)
            } catch let e as APIError where e.code == 404 {}
            return
        }
        guard let selector = ServiceEndpoints.selector(svc) else { return }
        let selected = await pods.byIndex(IndexNames.namespace, ns).filter { selector.matches(labels: $0.metadata.labels ?? [:]) }
        let triggerTime = await triggerTimes.compute(serviceKey: key, service: svc, pods: selected)
        let subsets = Self.subsets(for: svc, pods: selected)

        var desired = subsets
        let truncated = EndpointSubsets.truncate(&desired)
        let current = await endpoints.get(key)
        var compareLabels = current?.metadata.labels ?? [:]
        compareLabels[ServiceEndpoints.headless] = nil
        if let current, (current.subsets ?? []) == desired, compareLabels == (svc.metadata.labels ?? [:]),
           (current.metadata.annotations?[ServiceEndpoints.overCapacity] != nil) == truncated {
            return
        }
        var updated = current ?? CoreV1.Endpoints(metadata: MetaV1.ObjectMeta(name: name, namespace: ns))
        updated.subsets = desired.isEmpty ? nil : desired
        updated.metadata.labels = ServiceEndpoints.labels(svc, base: svc.metadata.labels ?? [:])
        var annotations = updated.metadata.annotations ?? [:]
        annotations[ServiceEndpoints.lastChangeTriggerTime] = triggerTime.map(TriggerTimeTracker.format)
        annotations[ServiceEndpoints.overCapacity] = truncated ? "truncated" : nil
        updated.metadata.annotations = annotations.isEmpty ? nil : annotations
        do {
            if current == nil { _ = try await client.create(updated) } else { _ = try await client.update(updated) }
        } catch let e as APIError where e.details?.causes.contains(where: { $0.reason == "NamespaceTerminating" }) == true {
            return
        } catch {
            await Events.record(client: client, regarding: updated, type: "Warning",
                                reason: current == nil ? "FailedToCreateEndpoint" : "FailedToUpdateEndpoint",
                                message: "Failed to \(current == nil ? "create" : "update") endpoint \(key): \(error)",
                                component: "endpoint-controller")
            throw error
        }
    }

    /// The subsets for these pods, repacked (before the capacity cut).
    static func subsets(for svc: CoreV1.Service, pods: [CoreV1.Pod]) -> [CoreV1.EndpointSubset] {
        let publishNotReady = svc.spec?.publishNotReadyAddresses ?? false
        var pairs: [(address: CoreV1.EndpointAddress, port: CoreV1.EndpointPort?, ready: Bool)] = []
        for p in pods where ServiceEndpoints.shouldInclude(p, includeTerminating: publishNotReady) {
            guard let ip = ServiceEndpoints.address(p, for: svc) else { continue }
            let address = CoreV1.EndpointAddress(ip: ip, hostname: ServiceEndpoints.hostname(p, for: svc),
                                                 nodeName: (p.spec?.nodeName ?? "").isEmpty ? nil : p.spec?.nodeName, targetRef: ServiceEndpoints.targetRef(p))
            let ready = publishNotReady || PodState.isReady(p)
            let ports = svc.spec?.ports ?? []
            if ports.isEmpty {
                // A headless service may have no ports: bare addresses.
                if svc.spec?.clusterIP == "None" { pairs.append((address, nil, ready)) }
                continue
            }
            for sp in ports {
                guard let n = ServiceEndpoints.findPort(p, sp) else { continue }
                pairs.append((address, CoreV1.EndpointPort(name: sp.name, port: n, protocol: sp.protocol ?? "TCP", appProtocol: sp.appProtocol), ready))
            }
        }
        return EndpointSubsets.repack(pairs)
    }

    /// Once the caches are loaded: Endpoints whose service is gone (deleted while no
    /// controller ran) are looked at once; leader-election records are not services' endpoints.
    public func checkLeftovers() async {
        for e in await endpoints.list() where e.metadata.annotations?["control-plane.alpha.kubernetes.io/leader"] == nil {
            await queue.add(Informer<CoreV1.Endpoints>.key(e))
        }
    }

    static func split(_ key: String) -> (String, String) {
        let parts = key.split(separator: "/", maxSplits: 1).map(String.init)
        return parts.count == 2 ? (parts[0], parts[1]) : ("", key)
    }
}
