import Foundation
import Testing

@testable import TugAPI

/// Ports, identifiers, environment variable names, percentages and IntOrString.
struct ValidationValueTests {
    @Test func portNumbers() {
        for good in [1, 80, 8080, 65535] { #expect(Validation.isValidPortNumber(good).isEmpty) }
        for bad in [0, -1, 65536, 100_000] {
            #expect(Validation.isValidPortNumber(bad) == ["must be between 1 and 65535, inclusive"])
        }
        #expect(
            Validation.validatePortNumber(0, path: "spec.containers[0].ports[0].containerPort").map(\.description)
                == ["spec.containers[0].ports[0].containerPort: Invalid value: 0: must be between 1 and 65535, inclusive"])
        #expect(Validation.isInRange(5, 1, 4) == ["must be between 1 and 4, inclusive"])
    }

    @Test func portNames() {
        for good in ["telnet", "re-mail-ck", "pop3", "a", "a-1", "1-a", "a-1-b-2-c", "1-a-2-b-3", "abcdefghijklmno"] {
            #expect(Validation.isValidPortName(good).isEmpty, "\(good)")
        }
        let bad: [(String, [String])] = [
            ("", ["must contain only alpha-numeric characters (a-z, 0-9), and hyphens (-)", "must contain at least one letter (a-z)"]),
            ("abcdefghijklmnop", ["must be no more than 15 characters"]),
            ("-a", ["must not begin or end with a hyphen"]), ("a-", ["must not begin or end with a hyphen"]),
            ("a--b", ["must not contain consecutive hyphens"]), ("1234", ["must contain at least one letter (a-z)"]),
            ("HTTP", ["must contain only alpha-numeric characters (a-z, 0-9), and hyphens (-)", "must contain at least one letter (a-z)"]),
            ("a_b", ["must contain only alpha-numeric characters (a-z, 0-9), and hyphens (-)"]),
            ("-", ["must contain at least one letter (a-z)", "must not begin or end with a hyphen"]),
        ]
        for (name, errors) in bad { #expect(Validation.isValidPortName(name) == errors, "\(name)") }
        #expect(
            Validation.validatePortName("a--b", path: "spec.ports[0].name").map(\.description)
                == ["spec.ports[0].name: Invalid value: \"a--b\": must not contain consecutive hyphens"])
    }

    @Test func cIdentifiers() {
        for good in ["a", "ab", "abc", "a1", "_a", "a_", "a_b", "a_1", "a__1__2__b", "__abc_123", "A", "AB", "AbC", "A1", "_A", "A_", "A_B", "A_1", "A__1__2__B", "__123_ABC"] {
            #expect(Validation.isCIdentifier(good).isEmpty, "\(good)")
        }
        let message =
            "a valid C identifier must start with alphabetic character or '_', followed by a string of alphanumeric characters or '_' (e.g. 'my_name',  or 'MY_NAME',  or 'MyName', regex used for validation is '[A-Za-z_][A-Za-z0-9_]*')"
        for bad in ["", "1", "123", "1a", "-", "a-", "-a", "1-", "-1", "1_", "1_2", "a.b", "a b"] {
            #expect(Validation.isCIdentifier(bad) == [message], "\(bad)")
        }
    }

    @Test func environmentVariableNames() {
        // Current rule: printable ASCII but '='.
        for good in ["A", "a", "my.env-name", "1st", "has space", "dollar$", "weird!@#%^&*()"] {
            #expect(Validation.isRelaxedEnvVarName(good).isEmpty, "\(good)")
        }
        let relaxed = "a valid environment variable name must consist only of printable ASCII characters other than '='"
        for bad in ["a=b", "=", "tab\t", "ünicode", "new\nline"] {
            #expect(Validation.isRelaxedEnvVarName(bad) == [relaxed], "\(bad)")
        }
        #expect(Validation.isRelaxedEnvVarName("") == ["environment variable name must be non-empty"])

        // The strict rule still exists for callers that want it.
        for good in ["A", "ab", "a-b", "a.b", "_a", ".a", "-a", "MY_ENV.NAME", "MyEnvName1"] {
            #expect(Validation.isEnvVarName(good).isEmpty, "\(good)")
        }
        let strict =
            "a valid environment variable name must consist of alphabetic characters, digits, '_', '-', or '.', and must not start with a digit (e.g. 'my.env-name',  or 'MY_ENV.NAME',  or 'MyEnvName1', regex used for validation is '[-._a-zA-Z][-._a-zA-Z0-9]*')"
        #expect(Validation.isEnvVarName("1a") == [strict])
        #expect(Validation.isEnvVarName("a b") == [strict])
        #expect(Validation.isEnvVarName(".") == ["must not be '.'"])
        #expect(Validation.isEnvVarName("..") == ["must not be '..'"])
        #expect(Validation.isEnvVarName("..a") == ["must not start with '..'"])

        #expect(Validation.validateEnvVarName("", path: "env[0].name").map(\.description) == ["env[0].name: Required value"])
        #expect(
            Validation.validateEnvVarName("a=b", path: "env[0].name").map(\.description)
                == ["env[0].name: Invalid value: \"a=b\": " + relaxed])
        #expect(Validation.validateEnvVarName("1a", path: "env[0].name").isEmpty)
        #expect(Validation.validateEnvVarName("1a", path: "env[0].name", relaxed: false).count == 1)
    }

    @Test func configMapKeysAndHeaders() {
        for good in ["a", "A", "key.name", "KEY_NAME", "key-name", ".dotfile", "1"] {
            #expect(Validation.isConfigMapKey(good).isEmpty, "\(good)")
        }
        let message =
            "a valid config key must consist of alphanumeric characters, '-', '_' or '.' (e.g. 'key.name',  or 'KEY_NAME',  or 'key-name', regex used for validation is '[-._a-zA-Z0-9]+')"
        #expect(Validation.isConfigMapKey("a/b") == [message])
        #expect(Validation.isConfigMapKey("") == [message])
        #expect(Validation.isConfigMapKey("..") == ["must not be '..'"])
        #expect(Validation.isConfigMapKey(String(repeating: "a", count: 254)) == ["must be no more than 253 characters"])
        #expect(Validation.isHTTPHeaderName("X-Header-Name").isEmpty)
        #expect(Validation.isHTTPHeaderName("X_Header").count == 1)
        #expect(Validation.isValidUserID(0).isEmpty && Validation.isValidUserID(2_147_483_647).isEmpty)
        #expect(Validation.isValidUserID(-1) == ["must be between 0 and 2147483647, inclusive"])
    }

    @Test func percentagesAndIntOrString() {
        for good in ["0%", "1%", "93%", "100%", "250%"] { #expect(Validation.isValidPercent(good).isEmpty, "\(good)") }
        let message =
            "a valid percent string must be a numeric string followed by an ending '%' (e.g. '1%',  or '93%', regex used for validation is '[0-9]+%')"
        for bad in ["", "%", "1", "1.5%", "-1%", "a%", "1%%", " 1%"] { #expect(Validation.isValidPercent(bad) == [message], "\(bad)") }

        let path = "spec.strategy.rollingUpdate.maxSurge"
        #expect(Validation.validateIntOrPercent(.int(0), path: path).isEmpty)
        #expect(Validation.validateIntOrPercent(.string("25%"), path: path).isEmpty)
        #expect(
            Validation.validateIntOrPercent(.int(-1), path: path).map(\.description)
                == ["\(path): Invalid value: -1: must be greater than or equal to 0"])
        #expect(
            Validation.validateIntOrPercent(.string("25"), path: path).map(\.description)
                == ["\(path): Invalid value: \"25\": " + message])
        #expect(Validation.validateNotMoreThan100Percent(.string("100%"), path: path).isEmpty)
        #expect(Validation.validateNotMoreThan100Percent(.int(500), path: path).isEmpty)
        #expect(
            Validation.validateNotMoreThan100Percent(.string("101%"), path: path).map(\.description)
                == ["\(path): Invalid value: \"101%\": must not be greater than 100%"])
        #expect(Validation.validateNonnegative(-5, path: "spec.replicas").map(\.description) == ["spec.replicas: Invalid value: -5: must be greater than or equal to 0"])
    }
}
