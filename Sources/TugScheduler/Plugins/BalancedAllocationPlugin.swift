import TugAPI

/// Kubernetes' `NodeResourcesBalancedAllocation`: favours nodes whose cpu and memory would be
/// used in similar proportions after placing the pod, score = (1 - std of the fractions) * 100.
public struct BalancedAllocationPlugin: ScorePlugin {
    public let name = "NodeResourcesBalancedAllocation"
    public let weight: Int

    public init(weight: Int = 1) {
        self.weight = weight
    }

    public func score(_ pod: CoreV1.Pod, _ node: NodeInfo, _ state: CycleState) -> Int {
        // Kubernetes uses the actual requests here (`useRequested`), not the non-zero defaults.
        let pod = state.requests(of: pod)
        // Best-effort pods are skipped (kubernetes#129138: they would all pile on one node);
        // the same score everywhere has the same effect on the ranking.
        if pod.milliCPU == 0 && pod.memory == 0 { return 0 }
        let used = node.requested
        // The common two-resource case without arrays (it runs for every sampled node).
        let cpu = node.allocatable.milliCPU, memory = node.allocatable.memory
        if cpu != 0, memory != 0 {
            let a = min(Double(used.milliCPU + pod.milliCPU) / Double(cpu), 1)
            let b = min(Double(used.memory + pod.memory) / Double(memory), 1)
            return Int((1 - abs(a - b) / 2) * Double(maxScore))
        }
        return Self.balancedScore([
            (used.milliCPU + pod.milliCPU, cpu),
            (used.memory + pod.memory, memory),
        ])
    }

    static func balancedScore(_ resources: [(requested: Int64, allocatable: Int64)]) -> Int {
        let fractions = resources.filter { $0.allocatable != 0 }.map {
            min(Double($0.requested) / Double($0.allocatable), 1)
        }
        var std = 0.0
        if fractions.count == 2 {
            std = abs(fractions[0] - fractions[1]) / 2
        } else if fractions.count > 2 {
            let mean = fractions.reduce(0, +) / Double(fractions.count)
            let variance = fractions.reduce(0) { $0 + ($1 - mean) * ($1 - mean) } / Double(fractions.count)
            std = variance.squareRoot()
        }
        return Int((1 - std) * Double(maxScore))
    }
}
