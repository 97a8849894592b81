import Foundation
import Logging
import TugAPI
import TugClient

/// Writes the node addresses the proxy answers on into `status.loadBalancer.ingress` of our
/// Ingresses, only when they differ; an Ingress that stops being ours while it still carries
/// exactly those addresses has them cleared, so a status we wrote does not outlive our claim.
public struct IngressStatusController: Controller {
    public let name = "ingress-status"
    public let queue = WorkQueue()
    let client: APIClient
    let ingresses: Informer<NetworkingV1.Ingress>
    let classes: Informer<NetworkingV1.IngressClass>
    let addresses: [NetworkingV1.IngressLoadBalancerIngress]
    let logger: Logger

    public init(client: APIClient, ingresses: Informer<NetworkingV1.Ingress>, classes: Informer<NetworkingV1.IngressClass>,
                nodeAddresses: [String], logger: Logger) {
        self.client = client
        self.ingresses = ingresses
        self.classes = classes
        self.addresses = Self.loadBalancerIngress(nodeAddresses)
        self.logger = logger
    }

    /// IP addresses as `ip`, anything else as `hostname`; order and duplicates as given are kept
    /// stable (sorted, unique) so that equal sets compare equal.
    static func loadBalancerIngress(_ nodeAddresses: [String]) -> [NetworkingV1.IngressLoadBalancerIngress] {
        Set(nodeAddresses.filter { !$0.isEmpty }).sorted().map { address in
            (IPv4Network.parseAddress(address) != nil || address.contains(":")) ? NetworkingV1.IngressLoadBalancerIngress(ip: address)
                : NetworkingV1.IngressLoadBalancerIngress(hostname: address)
        }
    }

    public func start() async {
        let queue = self.queue, ingresses = self.ingresses
        await ingresses.addHandler { event in
            switch event {
            case .added(let i), .updated(_, let i): await queue.add(Informer<NetworkingV1.Ingress>.key(i))
            case .deleted: break
            }
        }
        // A class change can make any Ingress ours or not ours.
        await classes.addHandler { _ in
            for i in await ingresses.list() { await queue.add(Informer<NetworkingV1.Ingress>.key(i)) }
        }
    }

    public func sync(_ key: String) async throws {
        guard var ingress = await ingresses.get(key), ingress.metadata.deletionTimestamp == nil else { return }
        let policy = IngressClassPolicy(classes: await classes.list())
        let current = ingress.status?.loadBalancer?.ingress ?? []
        let desired: [NetworkingV1.IngressLoadBalancerIngress]
        if policy.owns(ingress) {
            desired = addresses
        } else if !current.isEmpty && current == addresses {
            desired = []
        } else {
            return
        }
        guard current != desired else { return }
        var status = ingress.status ?? NetworkingV1.IngressStatus()
        var lb = status.loadBalancer ?? NetworkingV1.IngressLoadBalancerStatus()
        lb.ingress = desired.isEmpty ? nil : desired
        status.loadBalancer = lb
        ingress.status = status
        do {
            _ = try await client.updateStatus(ingress)
            logger.debug("ingress \(key): status.loadBalancer.ingress = \(desired.map { $0.ip ?? $0.hostname ?? "" })")
        } catch let e as APIError where e.code == 404 {
            return
        }
    }
}
