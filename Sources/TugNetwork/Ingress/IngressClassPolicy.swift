import Foundation
import TugAPI

/// Which Ingresses Tugboat's controller serves. An Ingress is ours when its class (the
/// `spec.ingressClassName` field, or the legacy `kubernetes.io/ingress.class` annotation) names
/// the `tugboat` class or any IngressClass whose `spec.controller` is ours; an Ingress with no
/// class at all is ours while one of our classes is marked as the cluster's default.
public struct IngressClassPolicy: Sendable, Hashable {
    /// The IngressClass the controller creates and answers to by name.
    public static let className = "tugboat"
    /// `spec.controller` of IngressClasses handled by Tugboat.
    public static let controllerName = "tugboat.dev/ingress"
    public static let defaultClassAnnotation = "ingressclass.kubernetes.io/is-default-class"
    public static let legacyClassAnnotation = "kubernetes.io/ingress.class"

    /// Names of the classes that are ours (always including `tugboat`).
    public let ourClasses: Set<String>
    /// Whether an Ingress without a class is ours.
    public let ownsUnclassed: Bool

    public init(classes: [NetworkingV1.IngressClass]) {
        var ours: Set<String> = [Self.className]
        var ownsDefault = false
        var anyOtherDefault = false
        for cls in classes {
            guard let name = cls.metadata.name, cls.metadata.deletionTimestamp == nil else { continue }
            let isOurs = cls.spec?.controller == Self.controllerName
            if isOurs { ours.insert(name) }
            if Self.isDefault(cls) {
                if isOurs { ownsDefault = true } else { anyOtherDefault = true }
            }
        }
        ourClasses = ours
        // With several default classes the API server refuses unclassed Ingresses; existing ones
        // stay ours only while our class is the one default.
        ownsUnclassed = ownsDefault && !anyOtherDefault
    }

    public static func isDefault(_ cls: NetworkingV1.IngressClass) -> Bool {
        cls.metadata.annotations?[defaultClassAnnotation]?.lowercased() == "true"
    }

    /// Whether `ingress` is handled by Tugboat.
    public func owns(_ ingress: NetworkingV1.Ingress) -> Bool {
        if ingress.metadata.deletionTimestamp != nil { return false }
        if let name = ingress.spec?.ingressClassName, !name.isEmpty { return ourClasses.contains(name) }
        if let legacy = ingress.metadata.annotations?[Self.legacyClassAnnotation], !legacy.isEmpty {
            return ourClasses.contains(legacy)
        }
        return ownsUnclassed
    }

    /// The IngressClass the controller creates when none of that name exists.
    public static func defaultIngressClass() -> NetworkingV1.IngressClass {
        var meta = MetaV1.ObjectMeta(name: className)
        meta.annotations = [defaultClassAnnotation: "true"]
        return NetworkingV1.IngressClass(metadata: meta, spec: NetworkingV1.IngressClassSpec(controller: controllerName))
    }
}
