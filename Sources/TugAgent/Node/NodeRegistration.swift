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

    /// Fresh conditions (heartbeat times) and addresses, keeping what others wrote (images,
    /// volumes) and the Ready condition's transition time when it did not change.
    public static func refreshStatus(_ profile: NodeProfile, client: APIClient, memoryPressure: Bool = false) async throws {
        for _ in 0..<3 {
            var node = try await client.get(CoreV1.Node.self, name: profile.name)
            let old = node.status?.conditions ?? []
            var status = profile.status()
            status.conditions = status.conditions?.map { c in
                var c = c
                if c.type == "MemoryPressure" && memoryPressure {
                    c.status = "True"
                    c.reason = "KubeletHasInsufficientMemory"
                    c.message = "kubelet has insufficient memory available"
                }
                if let prev = old.first(where: { $0.type == c.type }), prev.status == c.status { c.lastTransitionTime = prev.lastTransitionTime }
                return c
            }
            status.images = node.status?.images
            status.volumesInUse = node.status?.volumesInUse
            status.volumesAttached = node.status?.volumesAttached
            node.status = status
            do {
                _ = try await client.updateStatus(node)
                return
            } catch let e as APIError where e.code == 409 { continue }
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
