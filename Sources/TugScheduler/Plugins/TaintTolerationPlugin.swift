import TugAPI

/// Kubernetes' `TaintToleration`: filters out nodes with a `NoSchedule`/`NoExecute` taint the
/// pod does not tolerate, and prefers nodes with fewer untolerated `PreferNoSchedule` taints.
public struct TaintTolerationPlugin: FilterPlugin, ScorePlugin {
    public let name = "TaintToleration"
    public let weight: Int

    public init(weight: Int = 3) {
        self.weight = weight
    }

    public func filter(_ pod: CoreV1.Pod, _ node: NodeInfo, _ state: CycleState) -> PluginStatus {
        if node.taints.isEmpty { return .success }
        // Only the first untolerated taint is reported, as Kubernetes does.
        if let taint = CoreV1.Taint.firstUntolerated(node.taints, by: pod.spec?.tolerations ?? [],
                                                     effects: ["NoSchedule", "NoExecute"]) {
            return .unresolvable("node(s) had untolerated taint {\(taint.key ?? ""): \(taint.value ?? "")}")
        }
        return .success
    }

    /// The number of `PreferNoSchedule` taints not tolerated; `normalize` turns it around.
    public func score(_ pod: CoreV1.Pod, _ node: NodeInfo, _ state: CycleState) -> Int {
        if node.taints.isEmpty { return 0 }
        // Only tolerations that apply to PreferNoSchedule (or to every effect) count here.
        let tolerations = (pod.spec?.tolerations ?? []).filter {
            ($0.effect ?? "").isEmpty || $0.effect == "PreferNoSchedule"
        }
        return node.taints.filter { taint in
            taint.effect == "PreferNoSchedule" && !tolerations.contains { $0.tolerates(taint) }
        }.count
    }

    public func normalize(_ scores: inout [Int]) {
        defaultNormalizeScore(&scores, reverse: true)
    }
}
