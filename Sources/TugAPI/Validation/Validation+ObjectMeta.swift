import Foundation

extension Validation {
    /// Checks a name (`prefix` true for a `generateName`, which may end in '-') and returns
    /// the problems, as Kubernetes' `ValidateNameFunc`.
    public typealias NameValidator = @Sendable (_ name: String, _ prefix: Bool) -> [String]

    /// Most kinds: names are DNS-1123 subdomains.
    public static let nameIsDNSSubdomain: NameValidator = { name, prefix in
        isDNS1123Subdomain(prefix ? maskTrailingDash(name) : name)
    }

    /// Namespaces and a few others: names are DNS-1123 labels.
    public static let nameIsDNSLabel: NameValidator = { name, prefix in
        isDNS1123Label(prefix ? maskTrailingDash(name) : name)
    }

    /// Services: names are DNS-1035 labels.
    public static let nameIsDNS1035Label: NameValidator = { name, prefix in
        isDNS1035Label(prefix ? maskTrailingDash(name) : name)
    }

    /// Kinds that accept any name (CertificateSigningRequest, RBAC path segments aside).
    public static let nameIsAnything: NameValidator = { _, _ in [] }

    /// Finalizer names that may go without a domain prefix on built-in kinds.
    public static let standardFinalizers: Set<String> = ["kubernetes", "orphan", "foregroundDeletion"]

    /// `ValidateObjectMeta` for a create, with the built-in kinds' extra finalizer rule
    /// (`requireQualifiedFinalizers`; custom resources skip it). Paths are `<path>.name`,
    /// `<path>.labels`, …; errors come in Kubernetes' order.
    public static func validateObjectMeta(
        name: String?,
        generateName: String? = nil,
        namespace: String?,
        labels: [String: String]? = nil,
        annotations: [String: String]? = nil,
        finalizers: [String]? = nil,
        ownerReferences: [MetaV1.OwnerReference]? = nil,
        generation: Int64? = nil,
        namespaced: Bool,
        nameValidator: NameValidator = nameIsDNSSubdomain,
        requireQualifiedFinalizers: Bool = true,
        path: String = "metadata"
    ) -> [FieldError] {
        var errors: [FieldError] = []
        if let generateName, !generateName.isEmpty {
            errors += invalid(path + ".generateName", generateName, nameValidator(generateName, true))
        }
        if let name, !name.isEmpty {
            errors += invalid(path + ".name", name, nameValidator(name, false))
        } else {
            errors.append(.required(path + ".name", "name or generateName is required"))
        }
        if namespaced {
            if let namespace, !namespace.isEmpty {
                errors += invalid(path + ".namespace", namespace, nameIsDNSLabel(namespace, false))
            } else {
                errors.append(.required(path + ".namespace"))
            }
        } else if let namespace, !namespace.isEmpty {
            errors.append(.forbidden(path + ".namespace", "not allowed on this type"))
        }
        if let generation { errors += validateNonnegative(generation, path: path + ".generation") }
        errors += validateLabels(labels, path: path + ".labels")
        errors += validateAnnotations(annotations, path: path + ".annotations")
        errors += validateOwnerReferences(ownerReferences, path: path + ".ownerReferences")
        errors += validateFinalizers(finalizers ?? [], path: path + ".finalizers")
        if requireQualifiedFinalizers { errors += validateStandardFinalizerNames(finalizers, path: path + ".finalizers") }
        return errors
    }

    /// `ValidateFinalizers`: every name a qualified name (reported at `path`, not indexed, as
    /// Kubernetes does), and not both `orphan` and `foregroundDeletion`.
    public static func validateFinalizers(_ finalizers: [String], path: String) -> [FieldError] {
        var errors: [FieldError] = []
        for finalizer in finalizers {
            errors += invalid(path, finalizer, isQualifiedName(finalizer))
        }
        if finalizers.contains("orphan") && finalizers.contains("foregroundDeletion") {
            errors.append(
                FieldError(
                    .invalid, path, value: jsonArray(finalizers),
                    "finalizer orphan and foregroundDeletion cannot be both set"))
        }
        return errors
    }

    /// Built-in kinds: a finalizer without a domain prefix must be a standard one.
    static func validateStandardFinalizerNames(_ finalizers: [String]?, path: String) -> [FieldError] {
        var errors: [FieldError] = []
        for (i, finalizer) in (finalizers ?? []).enumerated()
        where !finalizer.contains("/") && !standardFinalizers.contains(finalizer) {
            errors.append(.invalid("\(path)[\(i)]", finalizer, "name is neither a standard finalizer name nor is it fully qualified"))
        }
        return errors
    }

    // MARK: helpers

    /// A generateName may end in '-' (a suffix follows), so that last character is checked as
    /// if it were a letter.
    static func maskTrailingDash(_ name: String) -> String {
        if name.utf8.count > 1 && name.hasSuffix("-") { return String(name.dropLast(2)) + "a" }
        return name
    }

    /// `["a","b"]`, the JSON Kubernetes prints for a list-valued bad value.
    static func jsonArray(_ values: [String]?) -> String {
        guard let values else { return "null" }
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.withoutEscapingSlashes]
        let data = (try? encoder.encode(values)) ?? Data("[]".utf8)
        return String(decoding: data, as: UTF8.self)
    }

    /// `[]string{"a", "b"}`, Go's `%#v` of a string slice (used in one Kubernetes message).
    static func goStringSlice(_ values: [String]) -> String {
        "[]string{" + values.map { "\"\($0)\"" }.joined(separator: ", ") + "}"
    }
}
