import Foundation

extension Validation {
    /// `ValidateLabelSelector` for an API selector at `path` (`spec.selector`): labels as in
    /// `validateLabels`, and for each expression a known operator, values present exactly
    /// when the operator needs them, a valid key and valid values. `allowInvalidLabelValues`
    /// is Kubernetes' compatibility switch for objects stored before values were checked.
    public static func validateLabelSelector(
        _ selector: MetaV1.LabelSelector?, path: String, allowInvalidLabelValues: Bool = false
    ) -> [FieldError] {
        guard let selector else { return [] }
        var errors = validateLabels(selector.matchLabels, path: path + ".matchLabels")
        for (i, expression) in (selector.matchExpressions ?? []).enumerated() {
            errors += validateLabelSelectorRequirement(
                expression, path: "\(path).matchExpressions[\(i)]", allowInvalidLabelValues: allowInvalidLabelValues)
        }
        return errors
    }

    /// `ValidateLabelSelectorRequirement`.
    public static func validateLabelSelectorRequirement(
        _ requirement: MetaV1.LabelSelectorRequirement, path: String, allowInvalidLabelValues: Bool = false
    ) -> [FieldError] {
        var errors: [FieldError] = []
        let values = requirement.values ?? []
        switch requirement.operator ?? "" {
        case "In", "NotIn":
            if values.isEmpty {
                errors.append(.required(path + ".values", "must be specified when `operator` is 'In' or 'NotIn'"))
            }
        case "Exists", "DoesNotExist":
            if !values.isEmpty {
                errors.append(.forbidden(path + ".values", "may not be specified when `operator` is 'Exists' or 'DoesNotExist'"))
            }
        case let other:
            errors.append(.invalid(path + ".operator", other, "not a valid selector operator"))
        }
        errors += validateLabelName(requirement.key ?? "", path: path + ".key")
        if !allowInvalidLabelValues {
            for (i, value) in values.enumerated() {
                errors += invalid("\(path).values[\(i)]", value, isLabelValue(value))
            }
        }
        return errors
    }
}
