import Foundation
import Logging
import TugAPI
import TugClient

/// Gives LoadBalancer Services the addresses of the cluster's nodes as
/// `status.loadBalancer.ingress`, as k3s' ServiceLB does: each node's service proxy answers on
/// its own addresses for the Service's ports, so every Ready node is a way in. A node's
/// ExternalIP is preferred over its InternalIP. Services with a `loadBalancerClass` belong to
/// another implementation and are left alone; a Service that stops being a LoadBalancer has
/// its ingress cleared.
public struct ServiceLBController: Controller {
    public let name = "servicelb"
    public let queue = WorkQueue()
    let client: APIClient
    let services: Informer<CoreV1.Service>
    let nodes: Informer<CoreV1.Node>
    let logger: Logger

    public init(client: APIClient, services: Informer<CoreV1.Service>, nodes: Informer<CoreV1.Node>, logger: Logger) {
        self.client = client
        self.services = services
        self.nodes = nodes
        self.logger = logger
    }

    public func start() async {
        let queue = self.queue, services = self.services
        await services.addHandler { event in
            switch event {
            case .added(let s), .updated(_, let s): await queue.add(Informer<CoreV1.Service>.key(s))
            case .deleted: break
            }
        }
        // Any change in the set of node addresses touches every LoadBalancer.
        await nodes.addHandler { event in
            let changed: Bool
            switch event {
            case .added, .deleted: changed = true
            case .updated(let old, let new): changed = Self.address(of: old) != Self.address(of: new)
            }
            guard changed else { return }
            for s in await services.list() where s.spec?.type == "LoadBalancer" {
                await queue.add(Informer<CoreV1.Service>.key(s))
            }
        }
    }

    public func sync(_ key: String) async throws {
        guard var svc = await services.get(key), svc.metadata.deletionTimestamp == nil else { return }
        let current = svc.status?.loadBalancer?.ingress ?? []
        let desired: [CoreV1.LoadBalancerIngress]
        if svc.spec?.type == "LoadBalancer" {
            guard (svc.spec?.loadBalancerClass ?? "").isEmpty else { return }
            let addresses = Set(await nodes.list().compactMap(Self.address(of:)))
            desired = addresses.sorted(by: Self.ipOrder).map { CoreV1.LoadBalancerIngress(ip: $0, ipMode: "VIP") }
        } else {
            desired = []
        }
        guard current != desired else { return }
        var status = svc.status ?? CoreV1.ServiceStatus()
        var lb = status.loadBalancer ?? CoreV1.LoadBalancerStatus()
        lb.ingress = desired.isEmpty ? nil : desired
        status.loadBalancer = lb
        svc.status = status
        do {
            _ = try await client.updateStatus(svc)
        } catch let e as APIError where e.code == 404 {
            return
        }
        if !desired.isEmpty && current.isEmpty {
            await Events.record(client: client, regarding: svc, type: "Normal", reason: "UpdatedIngressIP",
                                message: "LoadBalancer Ingress IP addresses updated: \(desired.compactMap(\.ip).joined(separator: ", "))",
                                component: "service-lb-controller")
        }
    }

    /// The address a Ready, schedulable node takes traffic on; nil for other nodes.
    static func address(of node: CoreV1.Node) -> String? {
        let ready = node.status?.conditions?.first { $0.type == "Ready" }?.status == "True"
        guard ready, node.spec?.unschedulable != true, node.metadata.deletionTimestamp == nil else { return nil }
        let addresses = node.status?.addresses ?? []
        return addresses.first { $0.type == "ExternalIP" }?.address ?? addresses.first { $0.type == "InternalIP" }?.address
    }

    /// Numeric order for IPv4 addresses, text order otherwise.
    static func ipOrder(_ a: String, _ b: String) -> Bool {
        if let x = IPv4Network.parseAddress(a), let y = IPv4Network.parseAddress(b) { return x < y }
        return a < b
    }
}
