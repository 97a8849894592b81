import Foundation
import TugAPI

/// The node-sized subnets of an IPv4 cluster CIDR, each free or taken: the allocator behind
/// `spec.podCIDR`, as kube-controller-manager's range allocator keeps it.
struct CIDRSet: Sendable {
    let cluster: IPv4Network
    let subnetPrefix: Int
    private var taken: [Bool]
    /// Where the next search starts, so a released subnet is not handed out again at once.
    private var nextCandidate = 0

    init(cluster: IPv4Network, subnetPrefix: Int) throws {
        guard subnetPrefix >= cluster.prefix, subnetPrefix <= 30 else {
            throw IPAMError("the node CIDR mask size /\(subnetPrefix) must be between the cluster CIDR's /\(cluster.prefix) and /30")
        }
        guard subnetPrefix - cluster.prefix <= 16 else {
            throw IPAMError("cluster CIDR \(cluster) with node mask /\(subnetPrefix) makes more than 65536 node subnets; use a smaller range or a larger mask")
        }
        self.cluster = cluster
        self.subnetPrefix = subnetPrefix
        self.taken = Array(repeating: false, count: 1 << (subnetPrefix - cluster.prefix))
    }

    var capacity: Int { taken.count }
    var usedCount: Int { taken.filter { $0 }.count }

    func subnet(_ index: Int) -> IPv4Network {
        IPv4Network(address: cluster.address + (UInt32(index) << UInt32(32 - subnetPrefix)), prefix: subnetPrefix)
    }

    /// The index of `network` when it is exactly one of this set's subnets.
    func index(of network: IPv4Network) -> Int? {
        guard network.prefix == subnetPrefix, cluster.contains(network.address) else { return nil }
        return Int((network.address - cluster.address) >> UInt32(32 - subnetPrefix))
    }

    /// Takes the next free subnet, or nil when all are taken.
    mutating func allocate() -> IPv4Network? {
        for offset in 0..<taken.count {
            let i = (nextCandidate + offset) % taken.count
            if !taken[i] {
                taken[i] = true
                nextCandidate = (i + 1) % taken.count
                return subnet(i)
            }
        }
        return nil
    }

    /// Marks a subnet a node already has; false when it is not one of ours.
    @discardableResult
    mutating func occupy(_ network: IPv4Network) -> Bool {
        guard let i = index(of: network) else { return false }
        taken[i] = true
        return true
    }

    mutating func release(_ network: IPv4Network) {
        if let i = index(of: network) { taken[i] = false }
    }
}

struct IPAMError: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}
