import TugAPI

/// kube-scheduler's default plugin set (the `MultiPoint` list of the default profile), limited
/// to the plugins Tugboat implements, in Kubernetes' order and with its score weights.
public enum DefaultPlugins {
    /// NodeUnschedulable, NodeName, TaintToleration, NodeAffinity, NodePorts, NodeResourcesFit,
    /// PodTopologySpread, InterPodAffinity.
    public static func filters() -> [any FilterPlugin] {
        [
            NodeUnschedulablePlugin(),
            NodeNamePlugin(),
            TaintTolerationPlugin(),
            NodeAffinityPlugin(),
            NodePortsPlugin(),
            NodeResourcesFitPlugin(),
            PodTopologySpreadPlugin(),
            InterPodAffinityPlugin(),
        ]
    }

    /// TaintToleration (3), NodeAffinity (2), NodeResourcesFit/LeastAllocated (1),
    /// PodTopologySpread (2), InterPodAffinity (2), NodeResourcesBalancedAllocation (1),
    /// ImageLocality (1).
    public static func scores(totalNodes: Int) -> [any ScorePlugin] {
        [
            TaintTolerationPlugin(),
            NodeAffinityPlugin(),
            LeastAllocatedPlugin(),
            PodTopologySpreadPlugin(),
            InterPodAffinityPlugin(),
            BalancedAllocationPlugin(),
            ImageLocalityPlugin(totalNodes: totalNodes),
        ]
    }

    /// Run once per pod before `filters`. NodeName, NodeAffinity and NodePorts only say `.skip`
    /// when the pod asks nothing of them, which leaves their filters out of the cycle (most pods
    /// name no node, select no labels and want no host ports). PodTopologySpread and
    /// InterPodAffinity count matching pods per domain (or skip when the pod and cluster use
    /// neither); ImageLocality counts the nodes that hold each image (its spread ratio).
    public static func preFilters() -> [any PreFilterPlugin] {
        [NodeNamePlugin(), NodeAffinityPlugin(), NodePortsPlugin(), PodTopologySpreadPlugin(), InterPodAffinityPlugin(), ImageLocalityPlugin()]
    }
}

/// Kubernetes' `helper.DefaultNormalizeScore`: scales scores so the highest becomes `maxScore`
/// (then flips them when `reverse`, for "fewer is better" counts). All zero stays zero, or
/// becomes all `maxScore` when reversed.
func defaultNormalizeScore(_ scores: inout [Int], reverse: Bool) {
    let highest = scores.max() ?? 0
    guard highest > 0 else {
        if reverse { scores = scores.map { _ in maxScore } }
        return
    }
    for i in scores.indices {
        let scaled = maxScore * scores[i] / highest
        scores[i] = reverse ? maxScore - scaled : scaled
    }
}
