import Foundation

extension Validation {
    // MARK: ports

    /// 1…65535.
    public static func isValidPortNumber(_ port: Int) -> [String] {
        (1...65535).contains(port) ? [] : [inclusiveRangeError(1, 65535)]
    }

    /// `value` within `low…high`.
    public static func isInRange(_ value: Int, _ low: Int, _ high: Int) -> [String] {
        (low...high).contains(value) ? [] : [inclusiveRangeError(low, high)]
    }

    /// An IANA service name (named container and service ports): at most 15 of `[-a-z0-9]`,
    /// at least one letter, no leading, trailing or doubled '-'.
    public static func isValidPortName(_ port: String) -> [String] {
        var errors: [String] = []
        let bytes = port.utf8
        let dash = UInt8(ascii: "-")
        if bytes.count > 15 { errors.append(maxLenError(15)) }
        if bytes.isEmpty || !bytes.allSatisfy({ isLowerAlnum($0) || $0 == dash }) {
            errors.append("must contain only alpha-numeric characters (a-z, 0-9), and hyphens (-)")
        }
        if !bytes.contains(where: { $0 >= UInt8(ascii: "a") && $0 <= UInt8(ascii: "z") }) {
            errors.append("must contain at least one letter (a-z)")
        }
        if port.contains("--") { errors.append("must not contain consecutive hyphens") }
        if bytes.first == dash || bytes.last == dash { errors.append("must not begin or end with a hyphen") }
        return errors
    }

    public static func validatePortNumber(_ port: Int, path: String) -> [FieldError] {
        isValidPortNumber(port).map { FieldError.invalid(path, port, $0) }
    }

    public static func validatePortName(_ name: String, path: String) -> [FieldError] {
        invalid(path, name, isValidPortName(name))
    }

    // MARK: identifiers and environment variables

    static let cIdentifierFormat = "[A-Za-z_][A-Za-z0-9_]*"
    static let envVarNameFormat = "[-._a-zA-Z][-._a-zA-Z0-9]*"

    /// A C identifier: `[A-Za-z_][A-Za-z0-9_]*` (format only, no length limit).
    public static func isCIdentifier(_ value: String) -> [String] {
        let underscore = UInt8(ascii: "_")
        let ok = value.utf8.first.map { isAlpha($0) || $0 == underscore } == true
            && value.utf8.allSatisfy { isAlnum($0) || $0 == underscore }
        if ok { return [] }
        return [
            regexError(
                "a valid C identifier must start with alphabetic character or '_', followed by a string of alphanumeric characters or '_'",
                cIdentifierFormat, examples: ["my_name", "MY_NAME", "MyName"])
        ]
    }

    /// The strict (pre-1.34) environment variable name rule, `[-._a-zA-Z][-._a-zA-Z0-9]*`,
    /// not `.`, `..` or `..…`.
    public static func isEnvVarName(_ value: String) -> [String] {
        var errors: [String] = []
        let extra: (UInt8) -> Bool = { $0 == UInt8(ascii: "-") || $0 == UInt8(ascii: ".") || $0 == UInt8(ascii: "_") }
        let ok = value.utf8.first.map { isAlpha($0) || extra($0) } == true
            && value.utf8.allSatisfy { isAlnum($0) || extra($0) }
        if !ok {
            errors.append(
                regexError(
                    "a valid environment variable name must consist of alphabetic characters, digits, '_', '-', or '.', and must not start with a digit",
                    envVarNameFormat, examples: ["my.env-name", "MY_ENV.NAME", "MyEnvName1"]))
        }
        return errors + chDirPrefixErrors(value)
    }

    /// The current rule (RelaxedEnvironmentVariableValidation, GA in 1.34): non-empty, printable
    /// ASCII other than '='.
    public static func isRelaxedEnvVarName(_ value: String) -> [String] {
        var errors: [String] = []
        if value.isEmpty { errors.append("environment variable name " + emptyError) }
        if value.unicodeScalars.contains(where: { $0.value < 0x20 || $0.value > 0x7E || $0 == "=" }) {
            errors.append("a valid environment variable name must consist only of printable ASCII characters other than '='")
        }
        return errors
    }

    /// An env var name at `path`: `Required` when empty, else the relaxed (current) rule or the
    /// strict one.
    public static func validateEnvVarName(_ name: String, path: String, relaxed: Bool = true) -> [FieldError] {
        if name.isEmpty { return [.required(path)] }
        return invalid(path, name, relaxed ? isRelaxedEnvVarName(name) : isEnvVarName(name))
    }

    /// A ConfigMap or Secret key: at most 253 of `[-._a-zA-Z0-9]`, not `.`, `..` or `..…`.
    public static func isConfigMapKey(_ value: String) -> [String] {
        var errors: [String] = []
        let bytes = value.utf8
        if bytes.count > dns1123SubdomainMaxLength { errors.append(maxLenError(dns1123SubdomainMaxLength)) }
        let ok = !bytes.isEmpty && bytes.allSatisfy {
            isAlnum($0) || $0 == UInt8(ascii: "-") || $0 == UInt8(ascii: ".") || $0 == UInt8(ascii: "_")
        }
        if !ok {
            errors.append(
                regexError(
                    "a valid config key must consist of alphanumeric characters, '-', '_' or '.'", "[-._a-zA-Z0-9]+",
                    examples: ["key.name", "KEY_NAME", "key-name"]))
        }
        return errors + chDirPrefixErrors(value)
    }

    /// An HTTP header name as Go's HTTP library accepts: `[-A-Za-z0-9]+`.
    public static func isHTTPHeaderName(_ value: String) -> [String] {
        let bytes = value.utf8
        if !bytes.isEmpty && bytes.allSatisfy({ isAlnum($0) || $0 == UInt8(ascii: "-") }) { return [] }
        return [
            regexError(
                "a valid HTTP header must consist of alphanumeric characters or '-'", "[-A-Za-z0-9]+",
                examples: ["X-Header-Name"])
        ]
    }

    /// A Unix user or group ID: 0…2^31-1.
    public static func isValidUserID(_ id: Int64) -> [String] {
        (0...Int64(Int32.max)).contains(id) ? [] : [inclusiveRangeError(0, Int(Int32.max))]
    }

    public static func isValidGroupID(_ id: Int64) -> [String] { isValidUserID(id) }

    private static func chDirPrefixErrors(_ value: String) -> [String] {
        if value == "." { return ["must not be '.'"] }
        if value == ".." { return ["must not be '..'"] }
        if value.hasPrefix("..") { return ["must not start with '..'"] }
        return []
    }

    // MARK: numbers, percentages, IntOrString

    public static let isNegativeErrorMessage = "must be greater than or equal to 0"

    /// `ValidateNonnegativeField`.
    public static func validateNonnegative(_ value: Int64, path: String) -> [FieldError] {
        value < 0 ? [FieldError(.invalid, path, value: String(value), isNegativeErrorMessage)] : []
    }

    /// `[0-9]+%`.
    public static func isValidPercent(_ value: String) -> [String] {
        let bytes = value.utf8
        if bytes.count >= 2 && bytes.last == UInt8(ascii: "%") && bytes.dropLast().allSatisfy(isDigit) { return [] }
        return [
            regexError(
                "a valid percent string must be a numeric string followed by an ending '%'", "[0-9]+%",
                examples: ["1%", "93%"])
        ]
    }

    /// `ValidatePositiveIntOrPercent` (maxSurge, maxUnavailable, …): a non-negative integer or
    /// a `[0-9]+%` string.
    public static func validateIntOrPercent(_ value: IntOrString, path: String) -> [FieldError] {
        switch value {
        case .int(let i): return validateNonnegative(Int64(i), path: path)
        case .string(let s): return invalid(path, s, isValidPercent(s))
        }
    }

    /// `IsNotMoreThan100Percent`: a percentage above 100% is refused; integers pass.
    public static func validateNotMoreThan100Percent(_ value: IntOrString, path: String) -> [FieldError] {
        guard case .string(let s) = value, isValidPercent(s).isEmpty, let p = Int(s.dropLast()), p > 100 else { return [] }
        return [.invalid(path, s, "must not be greater than 100%")]
    }
}
