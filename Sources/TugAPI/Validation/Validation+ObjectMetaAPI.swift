import Foundation

extension Validation {
    /// `validateObjectMeta` on an API `ObjectMeta` (create).
    public static func validateObjectMeta(
        _ meta: MetaV1.ObjectMeta,
        namespaced: Bool,
        nameValidator: NameValidator = nameIsDNSSubdomain,
        requireQualifiedFinalizers: Bool = true,
        path: String = "metadata"
    ) -> [FieldError] {
        validateObjectMeta(
            name: meta.name, generateName: meta.generateName, namespace: meta.namespace,
            labels: meta.labels, annotations: meta.annotations, finalizers: meta.finalizers,
            ownerReferences: meta.ownerReferences, generation: meta.generation.map(Int64.init),
            namespaced: namespaced, nameValidator: nameValidator,
            requireQualifiedFinalizers: requireQualifiedFinalizers, path: path)
    }

    /// `ValidateObjectMetaUpdate` (plus the built-in kinds' finalizer rule): no new finalizers
    /// once deletion started, a resourceVersion, a generation that does not go down, and name,
    /// namespace, uid, creation and deletion fields unchanged; labels, annotations and owner
    /// references revalidated.
    public static func validateObjectMetaUpdate(
        _ new: MetaV1.ObjectMeta,
        old: MetaV1.ObjectMeta,
        requireQualifiedFinalizers: Bool = true,
        path: String = "metadata"
    ) -> [FieldError] {
        var errors: [FieldError] = []
        if old.deletionTimestamp != nil {
            let added = Set(new.finalizers ?? []).subtracting(old.finalizers ?? []).sorted(by: Labels.goLess)
            if !added.isEmpty {
                errors.append(
                    .forbidden(
                        path + ".finalizers",
                        "no new finalizers can be added if the object is being deleted, found new finalizers " + goStringSlice(added)))
            }
        }
        if (new.resourceVersion ?? "").isEmpty {
            errors.append(.invalid(path + ".resourceVersion", "", "must be specified for an update"))
        }
        let generation = Int64(new.generation ?? 0)
        errors += validateNonnegative(generation, path: path + ".generation")
        if generation < Int64(old.generation ?? 0) {
            errors.append(FieldError(.invalid, path + ".generation", value: String(generation), "must not be decremented"))
        }
        func immutable<T: Encodable & Equatable>(_ field: String, _ newValue: T?, _ oldValue: T?) {
            if newValue != oldValue {
                errors.append(FieldError(.invalid, path + "." + field, value: jsonRendering(newValue), "field is immutable"))
            }
        }
        immutable("name", new.name ?? "", old.name ?? "")
        immutable("namespace", new.namespace ?? "", old.namespace ?? "")
        immutable("uid", new.uid ?? "", old.uid ?? "")
        immutable("creationTimestamp", new.creationTimestamp, old.creationTimestamp)
        immutable("deletionTimestamp", new.deletionTimestamp, old.deletionTimestamp)
        immutable("deletionGracePeriodSeconds", new.deletionGracePeriodSeconds, old.deletionGracePeriodSeconds)
        errors += validateLabels(new.labels, path: path + ".labels")
        errors += validateAnnotations(new.annotations, path: path + ".annotations")
        errors += validateOwnerReferences(new.ownerReferences, path: path + ".ownerReferences")
        if requireQualifiedFinalizers { errors += validateStandardFinalizerNames(new.finalizers, path: path + ".finalizers") }
        return errors
    }

    /// `ValidateOwnerReferences`: each reference complete and well-formed, Events never owners,
    /// at most one controller.
    public static func validateOwnerReferences(_ references: [MetaV1.OwnerReference]?, path: String) -> [FieldError] {
        guard let references else { return [] }
        var errors: [FieldError] = []
        var firstController: String?
        for (i, reference) in references.enumerated() {
            errors += validateOwnerReference(reference, path: "\(path)[\(i)]")
            if reference.controller == true {
                let current = (reference.kind ?? "") + "/" + (reference.name ?? "")
                if let firstController {
                    errors.append(
                        FieldError(
                            .invalid, path, value: "[" + references.map(ownerReferenceJSON).joined(separator: ",") + "]",
                            "Only one reference can have Controller set to true. Found \"true\" in references for \(firstController) and \(current)"
                        ))
                } else {
                    firstController = current
                }
            }
        }
        return errors
    }

    static func validateOwnerReference(_ reference: MetaV1.OwnerReference, path: String) -> [FieldError] {
        var errors: [FieldError] = []
        let apiVersion = reference.apiVersion ?? ""
        let parts = apiVersion.split(separator: "/", omittingEmptySubsequences: false)
        let version = parts.count == 2 ? String(parts[1]) : apiVersion
        let group = parts.count == 2 ? String(parts[0]) : ""
        if apiVersion.isEmpty {
            errors.append(.required(path + ".apiVersion", "must not be empty"))
        } else if parts.count > 2 || version.isEmpty {
            errors.append(.invalid(path + ".apiVersion", apiVersion, "must be <group>/<version> or <version>"))
        }
        if (reference.kind ?? "").isEmpty { errors.append(.required(path + ".kind", "must not be empty")) }
        if (reference.name ?? "").isEmpty { errors.append(.required(path + ".name", "must not be empty")) }
        if (reference.uid ?? "").isEmpty { errors.append(.required(path + ".uid", "must not be empty")) }
        if parts.count <= 2 && group.isEmpty && version == "v1" && reference.kind == "Event" {
            errors.append(FieldError(.invalid, path, value: ownerReferenceJSON(reference), "/v1, Kind=Event is disallowed from being an owner"))
        }
        return errors
    }

    /// An owner reference as Go's encoder writes it: fields in declaration order, the two
    /// optional booleans left out when unset.
    static func ownerReferenceJSON(_ r: MetaV1.OwnerReference) -> String {
        var fields = [
            "\"apiVersion\":" + jsonRendering(r.apiVersion ?? ""), "\"kind\":" + jsonRendering(r.kind ?? ""),
            "\"name\":" + jsonRendering(r.name ?? ""), "\"uid\":" + jsonRendering(r.uid ?? ""),
        ]
        if let c = r.controller { fields.append("\"controller\":\(c)") }
        if let b = r.blockOwnerDeletion { fields.append("\"blockOwnerDeletion\":\(b)") }
        return "{" + fields.joined(separator: ",") + "}"
    }

    /// A bad value as Kubernetes prints a non-scalar one: its JSON (`null` when absent).
    static func jsonRendering<T: Encodable>(_ value: T?) -> String {
        guard let value else { return "null" }
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.withoutEscapingSlashes, .sortedKeys]
        guard let data = try? encoder.encode(value) else { return "null" }
        return String(decoding: data, as: UTF8.self)
    }
}
