import TugAPI

/// Kubernetes' `NodeUnschedulable` filter: a cordoned node (`spec.unschedulable`) takes only
/// pods that tolerate the `node.kubernetes.io/unschedulable:NoSchedule` taint.
public struct NodeUnschedulablePlugin: FilterPlugin {
    public let name = "NodeUnschedulable"
    public static let reason = "node(s) were unschedulable"
    static let unschedulableTaint = CoreV1.Taint(key: "node.kubernetes.io/unschedulable", effect: "NoSchedule")

    public init() {}

    public func filter(_ pod: CoreV1.Pod, _ node: NodeInfo, _ state: CycleState) -> PluginStatus {
        guard node.unschedulable else { return .success }
        // Checked against the taint itself, not the node's taints: the node controller may not
        // have added it yet.
        let tolerated = (pod.spec?.tolerations ?? []).contains { $0.tolerates(Self.unschedulableTaint) }
        return tolerated ? .success : .unresolvable(Self.reason)
    }
}
