import Foundation

extension Validation {
    public static let dns1123LabelMaxLength = 63
    public static let dns1123SubdomainMaxLength = 253
    public static let dns1035LabelMaxLength = 63

    static let dns1123LabelFormat = "[a-z0-9]([-a-z0-9]*[a-z0-9])?"
    static let dns1123LabelMessage =
        "a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', and must start and end with an alphanumeric character"
    static let dns1123SubdomainFormat = dns1123LabelFormat + "(\\." + dns1123LabelFormat + ")*"
    static let dns1123SubdomainMessage =
        "a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character"
    static let dns1035LabelFormat = "[a-z]([-a-z0-9]*[a-z0-9])?"
    static let dns1035LabelMessage =
        "a DNS-1035 label must consist of lower case alphanumeric characters or '-', start with an alphabetic character, and end with an alphanumeric character"

    /// RFC 1123 label (namespace names, most `name` fields of sub-objects): at most 63 of
    /// `[a-z0-9]([-a-z0-9]*[a-z0-9])?`.
    public static func isDNS1123Label(_ value: String) -> [String] {
        var errors: [String] = []
        let bytes = value.utf8
        if bytes.count > dns1123LabelMaxLength { errors.append(maxLenError(dns1123LabelMaxLength)) }
        if !matchesDNS1123Label(bytes) {
            if matchesDNS1123Subdomain(bytes) {
                // A valid subdomain that is not a label (the length was checked): it has dots.
                errors.append("must not contain dots")
            } else {
                errors.append(regexError(dns1123LabelMessage, dns1123LabelFormat, examples: ["my-name", "123-abc"]))
            }
        }
        return errors
    }

    /// RFC 1123 subdomain (most object names): at most 253 bytes of dot-separated labels.
    public static func isDNS1123Subdomain(_ value: String) -> [String] {
        isDNS1123Subdomain(value, maxLenMessage: maxLenError(dns1123SubdomainMaxLength))
    }

    /// The label-key prefix check says "bytes" where object names say "characters".
    static func isDNS1123Subdomain(_ value: String, maxLenMessage: String) -> [String] {
        var errors: [String] = []
        let bytes = value.utf8
        if bytes.count > dns1123SubdomainMaxLength { errors.append(maxLenMessage) }
        if !matchesDNS1123Subdomain(bytes) {
            errors.append(regexError(dns1123SubdomainMessage, dns1123SubdomainFormat, examples: ["example.com"]))
        }
        return errors
    }

    /// RFC 1035 label (Service names): at most 63 of `[a-z]([-a-z0-9]*[a-z0-9])?`.
    public static func isDNS1035Label(_ value: String) -> [String] {
        var errors: [String] = []
        let bytes = value.utf8
        if bytes.count > dns1035LabelMaxLength { errors.append(maxLenError(dns1035LabelMaxLength)) }
        let ok = matches(bytes, first: { $0 >= UInt8(ascii: "a") && $0 <= UInt8(ascii: "z") }, middle: isLabelByte, last: isLowerAlnum)
        if !ok {
            errors.append(regexError(dns1035LabelMessage, dns1035LabelFormat, examples: ["my-name", "abc-123"]))
        }
        return errors
    }

    /// A domain with at least two labels, each a DNS-1123 label; a trailing dot is allowed
    /// (Kubernetes' `IsFullyQualifiedDomainName`).
    public static func validateFullyQualifiedDomainName(_ name: String, path: String) -> [FieldError] {
        if name.isEmpty { return [.required(path)] }
        let trimmed = name.hasSuffix(".") ? String(name.dropLast()) : name
        let errors = isDNS1123Subdomain(trimmed)
        if !errors.isEmpty { return [.invalid(path, trimmed, errors.joined(separator: ","))] }
        let labels = trimmed.split(separator: ".", omittingEmptySubsequences: false)
        if labels.count < 2 {
            return [.invalid(path, trimmed, "should be a domain with at least two segments separated by dots")]
        }
        for label in labels {
            let errors = isDNS1123Label(String(label))
            if !errors.isEmpty { return [.invalid(path, String(label), errors.joined(separator: ","))] }
        }
        return []
    }

    // MARK: matchers

    private static func isLabelByte(_ c: UInt8) -> Bool { isLowerAlnum(c) || c == UInt8(ascii: "-") }

    static func matchesDNS1123Label<S: Collection>(_ bytes: S) -> Bool where S.Element == UInt8 {
        matches(bytes, first: isLowerAlnum, middle: isLabelByte, last: isLowerAlnum)
    }

    /// One pass: every label non-empty, lowercase alphanumerics and '-', no '-' at either end.
    static func matchesDNS1123Subdomain<S: Sequence>(_ bytes: S) -> Bool where S.Element == UInt8 {
        let dot = UInt8(ascii: "."), dash = UInt8(ascii: "-")
        var previous = dot
        for c in bytes {
            if c == dot {
                if previous == dot || previous == dash { return false }
            } else if c == dash {
                if previous == dot { return false }
            } else if !isLowerAlnum(c) {
                return false
            }
            previous = c
        }
        return previous != dot && previous != dash
    }
}
