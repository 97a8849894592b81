import TugAPI

/// Kubernetes' `NodeResourcesFit` score with the default `LeastAllocated` strategy (cpu and
/// memory, weight 1 each): nodes with more room left after placing the pod score higher.
public struct LeastAllocatedPlugin: ScorePlugin {
    public let name = "NodeResourcesLeastAllocated"
    public let weight: Int

    public init(weight: Int = 1) {
        self.weight = weight
    }

    public func score(_ pod: CoreV1.Pod, _ node: NodeInfo, _ state: CycleState) -> Int {
        // Non-zero requests, so pods without requests still spread out.
        let pod = state.requests(of: pod, nonZero: true)
        let used = node.nonZeroRequested
        let resources: [(requested: Int64, allocatable: Int64)] = [
            (used.milliCPU + pod.milliCPU, node.allocatable.milliCPU),
            (used.memory + pod.memory, node.allocatable.memory),
        ]
        var total: Int64 = 0
        var weights: Int64 = 0
        for r in resources where r.allocatable != 0 {
            // A resource the node does not report is left out of the average, not scored 0.
            total += Self.leastRequestedScore(r.requested, r.allocatable)
            weights += 1
        }
        return weights == 0 ? 0 : Int(total / weights)
    }

    /// (allocatable - requested) scaled to 0...100; 0 when overcommitted.
    static func leastRequestedScore(_ requested: Int64, _ allocatable: Int64) -> Int64 {
        guard allocatable > 0, requested <= allocatable else { return 0 }
        return (allocatable - requested) * Int64(maxScore) / allocatable
    }
}
