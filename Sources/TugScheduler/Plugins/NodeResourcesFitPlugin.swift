import TugAPI

/// Kubernetes' `NodeResourcesFit` filter: the node must have room for one more pod and, for
/// every resource the pod requests, allocatable minus what its pods already request.
public struct NodeResourcesFitPlugin: FilterPlugin {
    public let name = "NodeResourcesFit"

    public init() {}

    public func filter(_ pod: CoreV1.Pod, _ node: NodeInfo, _ state: CycleState) -> PluginStatus {
        let reasons = Self.insufficientResources(state.requests(of: pod), node)
        // Unschedulable, not unresolvable: preemption can free the resources.
        return reasons.isEmpty ? .success : .unschedulable(reasons)
    }

    /// The reasons in Kubernetes' order: pods, cpu, memory, ephemeral-storage, then scalar
    /// resources (sorted here; Go's map order is random).
    public static func insufficientResources(_ request: ResourceList, _ node: NodeInfo) -> [String] {
        var reasons: [String] = []
        let allocatable = node.allocatable
        let requested = node.requested
        if requested.pods + 1 > allocatable.pods {
            reasons.append("Too many pods")
        }
        // Zero requests always fit, even on a node whose resource is overcommitted.
        if request.milliCPU > 0 && request.milliCPU > allocatable.milliCPU - requested.milliCPU {
            reasons.append("Insufficient cpu")
        }
        if request.memory > 0 && request.memory > allocatable.memory - requested.memory {
            reasons.append("Insufficient memory")
        }
        if request.ephemeralStorage > 0
            && request.ephemeralStorage > allocatable.ephemeralStorage - requested.ephemeralStorage {
            reasons.append("Insufficient ephemeral-storage")
        }
        for (resource, amount) in request.scalar.sorted(by: { $0.key < $1.key }) {
            guard amount != 0, isScalarResourceName(resource) else { continue }
            let free = (allocatable.scalar[resource] ?? 0) - (requested.scalar[resource] ?? 0)
            if amount > free { reasons.append("Insufficient \(resource)") }
        }
        return reasons
    }

    /// Kubernetes' `IsScalarResourceName`: extended (`example.com/foo`), prefixed native
    /// (`kubernetes.io/…`), hugepages and attachable volumes. Other names are not checked.
    static func isScalarResourceName(_ name: String) -> Bool {
        name.contains("/") || name.hasPrefix("hugepages-") || name.hasPrefix("attachable-volumes-")
    }
}
