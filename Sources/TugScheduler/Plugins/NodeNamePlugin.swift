import TugAPI

/// Kubernetes' `NodeName` filter: a pod that names its node fits only that node.
public struct NodeNamePlugin: PreFilterPlugin, FilterPlugin {
    public let name = "NodeName"
    public static let reason = "node(s) didn't match the requested node name"

    public init() {}

    /// Most pods name no node: then there is nothing to check on any node.
    public func preFilter(_ pod: CoreV1.Pod, nodes: [NodeInfo], state: CycleState) -> PluginStatus {
        (pod.spec?.nodeName ?? "").isEmpty ? .skip : .success
    }

    public func filter(_ pod: CoreV1.Pod, _ node: NodeInfo, _ state: CycleState) -> PluginStatus {
        let wanted = pod.spec?.nodeName ?? ""
        // Unresolvable: evicting pods elsewhere never changes a node's name.
        return wanted.isEmpty || wanted == node.name ? .success : .unresolvable(Self.reason)
    }
}
