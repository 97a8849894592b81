import Foundation
import TugAPI

/// Where a DaemonSet's pods belong (Kubernetes' `NodeShouldRunDaemonPod`): nodes its node
/// selector and required node affinity admit and whose NoSchedule/NoExecute taints its pods
/// tolerate, counting the tolerations every daemon pod gets. Pods are pinned to their node
/// with a required node affinity on `metadata.name`, so the scheduler still binds them.
public enum DaemonPlacement {
    public static let revisionLabel = "controller-revision-hash"
    public static let generationLabel = "pod-template-generation"

    /// Tolerations Kubernetes adds to every daemon pod: it keeps running through node trouble
    /// (not-ready, unreachable) and lands despite pressure or cordoning.
    public static func defaultTolerations(hostNetwork: Bool) -> [CoreV1.Toleration] {
        var out = [
            CoreV1.Toleration(key: "node.kubernetes.io/not-ready", operator: "Exists", effect: "NoExecute"),
            CoreV1.Toleration(key: "node.kubernetes.io/unreachable", operator: "Exists", effect: "NoExecute"),
            CoreV1.Toleration(key: "node.kubernetes.io/disk-pressure", operator: "Exists", effect: "NoSchedule"),
            CoreV1.Toleration(key: "node.kubernetes.io/memory-pressure", operator: "Exists", effect: "NoSchedule"),
            CoreV1.Toleration(key: "node.kubernetes.io/pid-pressure", operator: "Exists", effect: "NoSchedule"),
            CoreV1.Toleration(key: "node.kubernetes.io/unschedulable", operator: "Exists", effect: "NoSchedule"),
        ]
        if hostNetwork {
            out.append(CoreV1.Toleration(key: "node.kubernetes.io/network-unavailable", operator: "Exists", effect: "NoSchedule"))
        }
        return out
    }

    /// The template's spec with the default tolerations added (an equal one is not repeated).
    public static func withDefaultTolerations(_ spec: CoreV1.PodSpec?) -> CoreV1.PodSpec {
        var spec = spec ?? CoreV1.PodSpec()
        var tolerations = spec.tolerations ?? []
        for t in defaultTolerations(hostNetwork: spec.hostNetwork == true)
        where !tolerations.contains(where: { $0.key == t.key && $0.effect == t.effect && $0.operator == t.operator }) {
            tolerations.append(t)
        }
        spec.tolerations = tolerations
        return spec
    }

    public struct Decision: Equatable, Sendable {
        /// A daemon pod should be on the node.
        public var shouldRun: Bool
        /// A daemon pod already there may stay (NoSchedule taints do not evict).
        public var shouldContinueRunning: Bool
    }

    public static func decide(_ template: CoreV1.PodTemplateSpec?, on node: CoreV1.Node) -> Decision {
        let spec = withDefaultTolerations(template?.spec)
        let no = Decision(shouldRun: false, shouldContinueRunning: false)
        if let name = spec.nodeName, !name.isEmpty, name != node.metadata.name { return no }
        guard NodeSelection.requiredMatches(spec, node) else { return no }
        let taints = node.spec?.taints ?? [], tolerations = spec.tolerations ?? []
        if CoreV1.Taint.firstUntolerated(taints, by: tolerations, effects: ["NoExecute"]) != nil { return no }
        if CoreV1.Taint.firstUntolerated(taints, by: tolerations, effects: ["NoSchedule"]) != nil {
            return Decision(shouldRun: false, shouldContinueRunning: true)
        }
        return Decision(shouldRun: true, shouldContinueRunning: true)
    }

    /// The node a daemon pod is for: its `spec.nodeName`, or before binding the node its
    /// required affinity pins it to (Kubernetes' `GetTargetNodeName`).
    public static func targetNode(of pod: CoreV1.Pod) -> String? {
        if let name = pod.spec?.nodeName, !name.isEmpty { return name }
        let terms = pod.spec?.affinity?.nodeAffinity?.requiredDuringSchedulingIgnoredDuringExecution?.nodeSelectorTerms ?? []
        for term in terms {
            for f in term.matchFields ?? [] where f.key == "metadata.name" && f.operator == "In" && f.values?.count == 1 {
                return f.values?.first
            }
        }
        return nil
    }

    /// The required node affinity replaced by one term `metadata.name In [node]` (the node
    /// already satisfies the template's own terms); preferred terms are kept.
    public static func pin(_ spec: inout CoreV1.PodSpec, to node: String) {
        let term = CoreV1.NodeSelectorTerm(matchFields: [CoreV1.NodeSelectorRequirement(key: "metadata.name", operator: "In", values: [node])])
        var affinity = spec.affinity ?? CoreV1.Affinity()
        var nodeAffinity = affinity.nodeAffinity ?? CoreV1.NodeAffinity()
        nodeAffinity.requiredDuringSchedulingIgnoredDuringExecution = CoreV1.NodeSelector(nodeSelectorTerms: [term])
        affinity.nodeAffinity = nodeAffinity
        spec.affinity = affinity
    }

    /// A new daemon pod for `node` from the DaemonSet's template.
    public static func newPod(_ ds: AppsV1.DaemonSet, node: String, hash: String) -> CoreV1.Pod {
        var pod = PodTemplates.pod(from: ds.spec?.template, namespace: ds.metadata.namespace,
                                   generateName: "\(ds.metadata.name ?? "")-", owner: OwnerRefs.controllerRef(to: ds))
        var labels = pod.metadata.labels ?? [:]
        labels[revisionLabel] = hash
        labels[generationLabel] = String(ds.metadata.generation ?? 1)
        pod.metadata.labels = labels
        var spec = withDefaultTolerations(pod.spec)
        pin(&spec, to: node)
        pod.spec = spec
        return pod
    }
}
