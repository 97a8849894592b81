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

    /// Plugins that need to see every node before filtering: PodTopologySpread and
    /// InterPodAffinity count matching pods per domain (or skip when the pod and cluster use
    /// neither); ImageLocality counts the nodes that hold each image (its spread ratio). Run
    /// once per pod before `filters`.
    public static func preFilters() -> [any PreFilterPlugin] {
        [PodTopologySpreadPlugin(), InterPodAffinityPlugin(), ImageLocalityPlugin()]
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
