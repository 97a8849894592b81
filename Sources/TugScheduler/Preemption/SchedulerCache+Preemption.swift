import TugAPI

extension SchedulerCache {
    /// The preemption dry run for a pod that fit nowhere, on the cache's current nodes.
    public func evaluatePreemption(_ pod: CoreV1.Pod, fit: FitError, framework: SchedulingFramework) -> PreemptionOutcome {
        let offset = nodes.isEmpty ? 0 : Int.random(in: 0..<nodes.count)
        let outcome = PreemptionEvaluator(framework: framework).evaluate(pod, nodes: nodes, fit: fit, offset: offset)
        if case .preempt(let c) = outcome {
            framework.cluster.recordPreemption(of: pod, node: c.node, victims: c.victims.compactMap(\.metadata.uid))
        }
        return outcome
    }
}
