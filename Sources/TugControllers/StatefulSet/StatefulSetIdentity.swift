import Foundation
import TugAPI

/// A StatefulSet pod's stable identity: its name `<set>-<ordinal>`, the labels that carry it,
/// its DNS name (hostname = pod name under the set's governing service) and its own
/// PersistentVolumeClaims `<claim>-<set>-<ordinal>`.
public enum StatefulSetIdentity {
    public static let podNameLabel = "statefulset.kubernetes.io/pod-name"
    public static let podIndexLabel = "apps.kubernetes.io/pod-index"
    /// The pod's ControllerRevision name (StatefulSet pods carry the whole name, not the hash).
    public static let revisionLabel = "controller-revision-hash"

    public static func startOrdinal(_ set: AppsV1.StatefulSet) -> Int { set.spec?.ordinals?.start ?? 0 }

    public static func podName(_ set: AppsV1.StatefulSet, _ ordinal: Int) -> String { "\(set.metadata.name ?? "")-\(ordinal)" }

    /// The ordinal in a pod's name when it is `<set>-<n>`, else nil (not a member).
    public static func ordinal(of pod: CoreV1.Pod, in set: AppsV1.StatefulSet) -> Int? {
        let prefix = "\(set.metadata.name ?? "")-"
        guard let name = pod.metadata.name, name.hasPrefix(prefix) else { return nil }
        let digits = name.dropFirst(prefix.count)
        guard !digits.isEmpty, digits.allSatisfy(\.isASCII), digits.allSatisfy(\.isNumber), let n = Int(digits) else { return nil }
        // "web-01" is not web-1.
        return String(n) == digits ? n : nil
    }

    public static func claimName(_ claim: CoreV1.PersistentVolumeClaim, _ set: AppsV1.StatefulSet, _ ordinal: Int) -> String {
        "\(claim.metadata.name ?? "")-\(set.metadata.name ?? "")-\(ordinal)"
    }

    /// The claims a pod of this ordinal uses, one per volumeClaimTemplate, labelled with the set's selector.
    public static func claims(_ set: AppsV1.StatefulSet, _ ordinal: Int) -> [CoreV1.PersistentVolumeClaim] {
        (set.spec?.volumeClaimTemplates ?? []).map { template in
            var c = CoreV1.PersistentVolumeClaim(metadata: MetaV1.ObjectMeta())
            c.metadata.name = claimName(template, set, ordinal)
            c.metadata.namespace = set.metadata.namespace
            c.metadata.labels = (template.metadata.labels ?? [:]).merging(set.spec?.selector?.matchLabels ?? [:]) { _, b in b }
            c.metadata.annotations = template.metadata.annotations
            c.spec = template.spec
            return c
        }
    }

    /// A new pod of `ordinal` from `template` (the template of `revision`).
    public static func newPod(_ set: AppsV1.StatefulSet, template: CoreV1.PodTemplateSpec?, ordinal: Int, revision: String) -> CoreV1.Pod {
        var pod = PodTemplates.pod(from: template, namespace: set.metadata.namespace, generateName: "", owner: OwnerRefs.controllerRef(to: set))
        pod.metadata.generateName = nil
        pod.metadata.name = podName(set, ordinal)
        var labels = pod.metadata.labels ?? [:]
        labels[revisionLabel] = revision
        pod.metadata.labels = labels
        applyIdentity(&pod, set, ordinal)
        return pod
    }

    /// Names, labels, hostname/subdomain and claim volumes as the ordinal requires.
    public static func applyIdentity(_ pod: inout CoreV1.Pod, _ set: AppsV1.StatefulSet, _ ordinal: Int) {
        let name = podName(set, ordinal)
        var labels = pod.metadata.labels ?? [:]
        labels[podNameLabel] = name
        labels[podIndexLabel] = String(ordinal)
        pod.metadata.labels = labels
        var spec = pod.spec ?? CoreV1.PodSpec()
        spec.hostname = name
        let service = set.spec?.serviceName ?? ""
        spec.subdomain = service.isEmpty ? nil : service
        let claimTemplates = set.spec?.volumeClaimTemplates ?? []
        if !claimTemplates.isEmpty {
            // A claim template replaces a template volume of the same name.
            let claimed = Set(claimTemplates.compactMap(\.metadata.name))
            var volumes = (spec.volumes ?? []).filter { !claimed.contains($0.name ?? "") }
            for t in claimTemplates {
                var v = CoreV1.Volume()
                v.name = t.metadata.name
                v.persistentVolumeClaim = CoreV1.PersistentVolumeClaimVolumeSource(claimName: claimName(t, set, ordinal))
                volumes.append(v)
            }
            spec.volumes = volumes
        }
        pod.spec = spec
    }

    /// Whether the pod's labels and hostname still say it is `ordinal` of this set (claim
    /// volumes are immutable in a pod spec, so only the mutable parts are checked and repaired).
    public static func labelsMatch(_ pod: CoreV1.Pod, _ set: AppsV1.StatefulSet, _ ordinal: Int) -> Bool {
        let labels = pod.metadata.labels ?? [:]
        return labels[podNameLabel] == podName(set, ordinal) && labels[podIndexLabel] == String(ordinal)
    }

    public static func revision(of pod: CoreV1.Pod) -> String { pod.metadata.labels?[revisionLabel] ?? "" }
}
