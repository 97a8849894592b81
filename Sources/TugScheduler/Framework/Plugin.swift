import TugAPI

/// A scheduler plugin has a name (used in messages and configuration).
public protocol SchedulerPlugin: Sendable {
    var name: String { get }
}

/// Runs once per pod before the nodes are filtered, with every node's info (for plugins that
/// look across nodes: inter-pod affinity, topology spread). A failure makes the pod unschedulable;
/// `.skip` means the plugin's filter has nothing to check for this pod and is left out.
public protocol PreFilterPlugin: SchedulerPlugin {
    func preFilter(_ pod: CoreV1.Pod, nodes: [NodeInfo], state: CycleState) -> PluginStatus
}

/// Runs once per pod after filtering, before scoring, with the feasible nodes and every node
/// (to count pods across topology domains). `.skip` leaves the plugin's score out of this cycle.
public protocol PreScorePlugin: SchedulerPlugin {
    func preScore(_ pod: CoreV1.Pod, feasible: [NodeInfo], all: [NodeInfo], state: CycleState) -> PluginStatus
}

/// Whether the pod may run on one node.
public protocol FilterPlugin: SchedulerPlugin {
    func filter(_ pod: CoreV1.Pod, _ node: NodeInfo, _ state: CycleState) -> PluginStatus
}

/// How good a feasible node is for the pod, 0...100 (`maxScore`), times the plugin's weight.
public protocol ScorePlugin: SchedulerPlugin {
    var weight: Int { get }
    func score(_ pod: CoreV1.Pod, _ node: NodeInfo, _ state: CycleState) -> Int
    /// Rescales raw scores over the feasible nodes to 0...100 (default: leave as is).
    func normalize(_ scores: inout [Int])
}

extension ScorePlugin {
    public var weight: Int { 1 }
    public func normalize(_ scores: inout [Int]) {}
}

public let maxScore = 100
