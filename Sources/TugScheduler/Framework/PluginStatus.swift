/// What a plugin says about a pod on a node.
public enum PluginStatus: Sendable, Hashable {
    case success
    /// Does not fit now; another pod leaving (or preemption) could change that.
    case unschedulable([String])
    /// Does not fit and preemption cannot help (node selector, taints, node name).
    case unresolvable([String])
    case error(String)
    /// From a pre-filter or pre-score: this plugin has nothing to check or score for this pod,
    /// so the framework leaves it out of the rest of the cycle (kube-scheduler's `Skip`).
    case skip

    public static func unschedulable(_ reason: String) -> PluginStatus { .unschedulable([reason]) }
    public static func unresolvable(_ reason: String) -> PluginStatus { .unresolvable([reason]) }

    public var isSuccess: Bool { self == .success }

    /// The reasons kubectl shows (`Insufficient cpu`, `node(s) didn't match Pod's node affinity/selector`).
    public var reasons: [String] {
        switch self {
        case .success, .skip: return []
        case .unschedulable(let r), .unresolvable(let r): return r
        case .error(let m): return [m]
        }
    }
}
