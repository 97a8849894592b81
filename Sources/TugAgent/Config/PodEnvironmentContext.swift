import TugAPI

/// What the node knows about a pod that its spec does not say: where it runs and its addresses.
public struct PodEnvironmentContext: Sendable, Hashable {
    /// Used when the pod's `spec.nodeName` is empty.
    public var nodeName: String
    /// The node's addresses, primary first (`status.hostIP`, `status.hostIPs`).
    public var hostIPs: [String]
    /// The pod's addresses (`status.podIP`, `status.podIPs`); reordered so the first has the
    /// family of the node's primary address, as the kubelet does.
    public var podIPs: [String]
    /// The node's allocatable resources: the limits a container without limits sees.
    public var nodeAllocatable: [String: Quantity]

    public init(nodeName: String, hostIPs: [String], podIPs: [String] = [], nodeAllocatable: [String: Quantity] = [:]) {
        self.nodeName = nodeName
        self.hostIPs = hostIPs
        self.podIPs = podIPs
        self.nodeAllocatable = nodeAllocatable
    }

    /// Pod IPs with those of the node's primary family first (kubelet's `sortPodIPs`).
    var sortedPodIPs: [String] {
        guard let primary = hostIPs.first else { return podIPs }
        let v6 = primary.contains(":")
        return podIPs.filter { $0.contains(":") == v6 } + podIPs.filter { $0.contains(":") != v6 }
    }
}
