import Foundation
import TugAPI

/// Deployment bookkeeping shared with kubectl: the `pod-template-hash` label that names a
/// template's ReplicaSet, and the `deployment.kubernetes.io/revision` annotation.
public enum DeploymentRevisions {
    public static let hashLabel = "pod-template-hash"
    public static let revisionAnnotation = "deployment.kubernetes.io/revision"
    public static let desiredReplicasAnnotation = "deployment.kubernetes.io/desired-replicas"
    public static let maxReplicasAnnotation = "deployment.kubernetes.io/max-replicas"

    /// A stable hash of the template (FNV-1a over its canonical JSON, plus the collision count),
    /// written with Kubernetes' vowel-free alphabet so it never spells words.
    public static func templateHash(_ template: CoreV1.PodTemplateSpec?, collisionCount: Int? = nil) -> String {
        var bytes = (try? JSONValue(encoding: template ?? CoreV1.PodTemplateSpec())).map { JSONWriter.write($0) } ?? []
        if let c = collisionCount { bytes += Array(String(c).utf8) }
        var h: UInt32 = 2_166_136_261
        for b in bytes {
            h ^= UInt32(b)
            h = h &* 16_777_619
        }
        let alphabet = Array("bcdfghjklmnpqrstvwxz2456789")
        return String(String(h).map { alphabet[Int($0.asciiValue! - 48) % alphabet.count] })
    }

    /// Whether a ReplicaSet's template is the Deployment's (ignoring the hash label).
    public static func sameTemplate(_ a: CoreV1.PodTemplateSpec?, _ b: CoreV1.PodTemplateSpec?) -> Bool {
        func canonical(_ t: CoreV1.PodTemplateSpec?) -> JSONValue? {
            var t = t ?? CoreV1.PodTemplateSpec()
            t.metadata.labels?[hashLabel] = nil
            if t.metadata.labels?.isEmpty == true { t.metadata.labels = nil }
            return try? JSONValue(encoding: t)
        }
        return canonical(a) == canonical(b)
    }

    public static func revision(_ meta: MetaV1.ObjectMeta) -> Int {
        Int(meta.annotations?[revisionAnnotation] ?? "") ?? 0
    }
}
