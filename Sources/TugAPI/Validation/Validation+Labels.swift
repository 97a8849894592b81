import Foundation

extension Validation {
    public static let labelKeyNameMaxLength = 63
    public static let labelValueMaxLength = 63
    /// Total bytes of all annotation keys and values (`TotalAnnotationSizeLimitB`).
    public static let totalAnnotationSizeLimit = 256 * 1024

    static let labelKeyFormat = "([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]"
    static let labelKeyMessage =
        "must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character"
    static let labelValueFormat = "(" + labelKeyFormat + ")?"
    static let labelValueMessage =
        "a valid label must be an empty string or consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character"

    /// A qualified name (label keys, annotation keys, finalizers, resource names): an optional
    /// DNS-1123 subdomain prefix and `/`, then a name of at most 63 bytes of
    /// `([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]`.
    public static func isQualifiedName(_ value: String) -> [String] {
        var errors: [String] = []
        let parts = value.utf8.split(separator: UInt8(ascii: "/"), omittingEmptySubsequences: false)
        let name: Substring.UTF8View
        switch parts.count {
        case 1:
            name = parts[0]
        case 2:
            let prefix = parts[0]
            name = parts[1]
            if prefix.isEmpty {
                errors.append("prefix part " + emptyError)
            } else {
                let messages = isDNS1123Subdomain(
                    String(decoding: prefix, as: UTF8.self), maxLenMessage: maxLenBytesError(dns1123SubdomainMaxLength))
                errors += messages.map { "prefix part " + $0 }
            }
        default:
            return [
                "a valid label key "
                    + regexError(labelKeyMessage, labelKeyFormat, examples: ["MyName", "my.name", "123-abc"])
                    + " with an optional DNS subdomain prefix and '/' (e.g. 'example.com/MyName')"
            ]
        }
        if name.isEmpty {
            errors.append("name part " + emptyError)
        } else if name.count > labelKeyNameMaxLength {
            errors.append("name part " + maxLenBytesError(labelKeyNameMaxLength))
        }
        if !matchesLabelName(name) {
            errors.append("name part " + regexError(labelKeyMessage, labelKeyFormat, examples: ["MyName", "my.name", "123-abc"]))
        }
        return errors
    }

    /// Label keys are qualified names (Kubernetes' `IsLabelKey`).
    public static func isLabelKey(_ value: String) -> [String] { isQualifiedName(value) }

    /// A label value: empty, or at most 63 bytes of `([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]`.
    public static func isLabelValue(_ value: String) -> [String] {
        var errors: [String] = []
        let bytes = value.utf8
        if bytes.count > labelValueMaxLength { errors.append(maxLenBytesError(labelValueMaxLength)) }
        if !bytes.isEmpty && !matchesLabelName(bytes) {
            errors.append(regexError(labelValueMessage, labelValueFormat, examples: ["MyValue", "my_value", "12345"]))
        }
        return errors
    }

    /// Fast yes/no for hot paths (selectors): a valid label key.
    public static func isValidLabelKey(_ value: String) -> Bool { isQualifiedName(value).isEmpty }

    /// Fast yes/no for hot paths: a valid label value.
    public static func isValidLabelValue(_ value: String) -> Bool {
        let bytes = value.utf8
        return bytes.count <= labelValueMaxLength && (bytes.isEmpty || matchesLabelName(bytes))
    }

    // MARK: field errors

    /// `ValidateLabelName`: one `Invalid` per problem, at `path` (not keyed).
    public static func validateLabelName(_ key: String, path: String) -> [FieldError] {
        invalid(path, key, isQualifiedName(key))
    }

    /// `ValidateLabels`: keys and values, all reported at `path` (`metadata.labels`), keys in
    /// sorted order so that the result is deterministic.
    public static func validateLabels(_ labels: [String: String]?, path: String) -> [FieldError] {
        guard let labels else { return [] }
        var errors: [FieldError] = []
        for key in labels.keys.sorted() {
            errors += validateLabelName(key, path: path)
            errors += invalid(path, labels[key] ?? "", isLabelValue(labels[key] ?? ""))
        }
        return errors
    }

    /// `ValidateAnnotations`: keys are qualified names compared lowercased, and keys plus
    /// values may not exceed 256 KiB in total.
    public static func validateAnnotations(_ annotations: [String: String]?, path: String) -> [FieldError] {
        guard let annotations else { return [] }
        var errors: [FieldError] = []
        var total = 0
        for key in annotations.keys.sorted() {
            errors += invalid(path, key, isQualifiedName(key.lowercased()))
            total += key.utf8.count + (annotations[key]?.utf8.count ?? 0)
        }
        if total > totalAnnotationSizeLimit {
            errors.append(FieldError(.tooLong, path, "may not be more than \(totalAnnotationSizeLimit) bytes"))
        }
        return errors
    }

    // MARK: matcher

    private static func isLabelNameByte(_ c: UInt8) -> Bool {
        isAlnum(c) || c == UInt8(ascii: "-") || c == UInt8(ascii: "_") || c == UInt8(ascii: ".")
    }

    static func matchesLabelName<S: Collection>(_ bytes: S) -> Bool where S.Element == UInt8 {
        matches(bytes, first: isAlnum, middle: isLabelNameByte, last: isAlnum)
    }
}
