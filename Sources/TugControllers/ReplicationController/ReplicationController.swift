import Foundation
import TugAPI

/// ReplicationControllers (core/v1) are run by the same controller as ReplicaSets; only
/// their selector (a plain label map) and status type differ.
public typealias ReplicationControllerController = ReplicatedSetController<CoreV1.ReplicationController>

extension CoreV1.ReplicationController: ReplicatedSet {
    public static var controllerName: String { "replicationcontroller" }
    /// A map selects by equality on each label; an empty one selects nothing here (it is
    /// defaulted from the template's labels and required by validation).
    public func podSelector() throws -> Labels.Selector {
        let s = spec?.selector ?? [:]
        return s.isEmpty ? .nothing : Labels.Selector(matching: s)
    }
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
            var s = status ?? CoreV1.ReplicationControllerStatus()
            s.replicas = newValue.replicas
            s.fullyLabeledReplicas = newValue.fullyLabeledReplicas
            s.readyReplicas = newValue.readyReplicas
            s.availableReplicas = newValue.availableReplicas
            s.observedGeneration = newValue.observedGeneration
            status = s
        }
    }
}
