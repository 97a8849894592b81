import Foundation
import TugAPI

/// A kind that keeps a number of copies of a pod template running: ReplicaSet (a
/// LabelSelector) and its predecessor ReplicationController (a label map). One controller,
/// `ReplicatedSetController`, serves both through this view of them.
public protocol ReplicatedSet: APIObject {
    /// The controller's name (`replicaset`, `replicationcontroller`).
    static var controllerName: String { get }
    /// The pods this set selects; throws for a selector that does not parse.
    func podSelector() throws -> Labels.Selector
    var podTemplate: CoreV1.PodTemplateSpec? { get }
    /// `spec.replicas` (1 when unset).
    var desiredReplicas: Int { get }
    var minReadySeconds: Int { get }
    /// The counts in `status` the controller writes (other status fields stay as they are).
    var replicaCounts: ReplicaCounts { get set }
}

/// The replica counts both kinds report in their status.
public struct ReplicaCounts: Equatable, Sendable {
    public var replicas: Int?
    public var fullyLabeledReplicas: Int?
    public var readyReplicas: Int?
    public var availableReplicas: Int?
    public var observedGeneration: Int?
    public init() {}
}

public typealias ReplicaSetController = ReplicatedSetController<AppsV1.ReplicaSet>

extension AppsV1.ReplicaSet: ReplicatedSet {
    public static var controllerName: String { "replicaset" }
    public func podSelector() throws -> Labels.Selector { try Labels.Selector(spec?.selector) }
    public var podTemplate: CoreV1.PodTemplateSpec? { spec?.template }
    public var desiredReplicas: Int { spec?.replicas ?? 1 }
    public var minReadySeconds: Int { spec?.minReadySeconds ?? 0 }
    public var replicaCounts: ReplicaCounts {
        get {
            var c = ReplicaCounts()
            c.replicas = status?.replicas
            c.fullyLabeledReplicas = status?.fullyLabeledReplicas
            c.readyReplicas = status?.readyReplicas
            c.availableReplicas = status?.availableReplicas
            c.observedGeneration = status?.observedGeneration
            return c
        }
        set {
            var s = status ?? AppsV1.ReplicaSetStatus()
            s.replicas = newValue.replicas
            s.fullyLabeledReplicas = newValue.fullyLabeledReplicas
            s.readyReplicas = newValue.readyReplicas
            s.availableReplicas = newValue.availableReplicas
            s.observedGeneration = newValue.observedGeneration
            status = s
        }
    }
}
