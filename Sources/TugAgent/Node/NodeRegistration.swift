import Foundation
import TugAPI
import TugClient

/// Registers a node with the API server (as kubelet does): create it, or, when it exists from
/// an earlier run, take it over with fresh status. Its Lease in `kube-node-lease` is the
/// heartbeat the node lifecycle controller watches.
public enum NodeRegistration {
    public static func register(_ profile: NodeProfile, client: APIClient) async throws {
        do {
            _ = try await client.create(profile.node())
        } catch let e as APIError where e.code == 409 {
            var existing = try await client.get(CoreV1.Node.self, name: profile.name)
            existing.status = profile.status()
            _ = try await client.updateStatus(existing)
        }
    }

    /// Creates or renews the node's Lease (holder = node, 40 s duration as kubelet's).
    public static func renewLease(_ node: String, client: APIClient, now: Date = Date()) async throws {
        let renew = MicroTime(now)
        do {
            var lease = try await client.get(CoordinationV1.Lease.self, namespace: "kube-node-lease", name: node)
            lease.spec?.renewTime = renew
            _ = try await client.update(lease)
        } catch let e as APIError where e.code == 404 {
            var lease = CoordinationV1.Lease(metadata: MetaV1.ObjectMeta())
            lease.metadata.name = node
            lease.metadata.namespace = "kube-node-lease"
            lease.spec = CoordinationV1.LeaseSpec(holderIdentity: node, leaseDurationSeconds: 40, renewTime: renew)
            _ = try await client.create(lease)
        }
    }
}
