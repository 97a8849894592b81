import Foundation
import Logging
import TugAPI
import TugClient

/// Gives every Node a pod subnet (`spec.podCIDR`/`podCIDRs`) from the cluster CIDR, as
/// kube-controller-manager's node IPAM range allocator does: a `/24` each from `10.42.0.0/16` by
/// default. Subnets nodes already have are taken first (so a restart hands out no duplicates),
/// and a deleted node's subnet becomes free again.
public struct NodeIPAMController: Controller {
    public let name = "node-ipam"
    public let queue = WorkQueue()
    let client: APIClient
    let nodes: Informer<CoreV1.Node>
    let allocator: Allocator
    let logger: Logger

    /// Throws when the CIDR is not IPv4 CIDR notation or the mask size does not fit in it.
    public init(client: APIClient, nodes: Informer<CoreV1.Node>, clusterCIDR: String, nodeMaskSize: Int = 24, logger: Logger) throws {
        self.client = client
        self.nodes = nodes
        self.allocator = Allocator(set: try Self.cidrSet(clusterCIDR: clusterCIDR, nodeMaskSize: nodeMaskSize))
        self.logger = logger
    }

    /// Throws what is wrong with the flags, for the server to say at startup.
    public static func validate(clusterCIDR: String, nodeMaskSize: Int) throws {
        _ = try cidrSet(clusterCIDR: clusterCIDR, nodeMaskSize: nodeMaskSize)
    }

    private static func cidrSet(clusterCIDR: String, nodeMaskSize: Int) throws -> CIDRSet {
        guard let cluster = IPv4Network(clusterCIDR) else {
            throw IPAMError("cluster CIDR \"\(clusterCIDR)\" is not an IPv4 network in CIDR notation (like 10.42.0.0/16)")
        }
        return try CIDRSet(cluster: cluster, subnetPrefix: nodeMaskSize)
    }

    public func start() async {
        let queue = self.queue, allocator = self.allocator, nodes = self.nodes
        await nodes.addHandler { event in
            switch event {
            case .added(let node), .updated(_, let node):
                if let cidr = node.spec?.podCIDR, !cidr.isEmpty {
                    await allocator.occupy(node.metadata.name ?? "", cidr: cidr)
                } else {
                    await queue.add(node.metadata.name ?? "")
                }
            case .deleted(let node):
                await allocator.release(node.metadata.name ?? "", cidr: node.spec?.podCIDR)
                // A freed subnet may be what a waiting node needs.
                for waiting in await nodes.list() where (waiting.spec?.podCIDR ?? "").isEmpty {
                    await queue.add(waiting.metadata.name ?? "")
                }
            }
        }
    }

    public func sync(_ key: String) async throws {
        await allocator.seed(from: await nodes.list())
        guard let node = await nodes.get(key), (node.spec?.podCIDR ?? "").isEmpty, node.metadata.deletionTimestamp == nil else { return }
        guard let subnet = await allocator.allocate(for: key) else {
            await Events.record(client: client, regarding: node, type: "Normal", reason: "CIDRNotAvailable",
                                message: "Node \(key) status is now: CIDRNotAvailable", component: "cidrAllocator")
            throw IPAMError("no pod subnet left in the cluster CIDR for node \(key)")
        }
        let cidr = subnet.description
        do {
            _ = try await client.patch(CoreV1.Node.self, name: key, ["spec": .object(["podCIDR": .string(cidr), "podCIDRs": .array([.string(cidr)])])])
            logger.info("node \(key) gets pod CIDR \(cidr)")
        } catch let error as APIError where error.code == 404 {
            await allocator.release(key, cidr: cidr)
        } catch {
            await allocator.release(key, cidr: cidr)
            throw error
        }
    }

    /// The subnets in use, seeded once from the nodes' own before the first allocation.
    actor Allocator {
        private var set: CIDRSet
        private var seeded = false
        /// Node -> the subnet it was given (or found with), so a release frees only its own.
        private var owners: [String: IPv4Network] = [:]

        init(set: CIDRSet) { self.set = set }

        func seed(from nodes: [CoreV1.Node]) {
            guard !seeded else { return }
            seeded = true
            for node in nodes { occupy(node.metadata.name ?? "", cidr: node.spec?.podCIDR ?? "") }
        }

        /// Records a subnet a node already shows (set by us earlier, or by hand within our range).
        func occupy(_ node: String, cidr: String) {
            guard let network = IPv4Network(cidr), owners[node] != network, set.occupy(network) else { return }
            owners[node] = network
        }

        func allocate(for node: String) -> IPv4Network? {
            if let existing = owners[node] { return existing }
            guard let subnet = set.allocate() else { return nil }
            owners[node] = subnet
            return subnet
        }

        /// Frees the node's subnet; `cidr` is what the node last showed (empty when the node went
        /// before its patch landed), and a subnet the node does not show as its own stays taken.
        func release(_ node: String, cidr: String?) {
            guard let owned = owners[node] else { return }
            if let cidr, !cidr.isEmpty, IPv4Network(cidr) != owned { return }
            owners[node] = nil
            set.release(owned)
        }
    }
}
