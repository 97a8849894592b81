import Foundation
import Testing

@testable import TugAPI

/// DNS names, qualified names and label values: Kubernetes' limits and exact messages.
struct ValidationNameTests {
    static let dns1123LabelError =
        "a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', and must start and end with an alphanumeric character (e.g. 'my-name',  or '123-abc', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?')"
    static let dns1123SubdomainError =
        "a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character (e.g. 'example.com', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')"
    static let dns1035Error =
        "a DNS-1035 label must consist of lower case alphanumeric characters or '-', start with an alphabetic character, and end with an alphanumeric character (e.g. 'my-name',  or 'abc-123', regex used for validation is '[a-z]([-a-z0-9]*[a-z0-9])?')"
    static let nameError =
        "name part must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyName',  or 'my.name',  or '123-abc', regex used for validation is '([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]')"
    static let valueError =
        "a valid label must be an empty string or consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyValue',  or 'my_value',  or '12345', regex used for validation is '(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?')"

    @Test func dns1123Labels() {
        for good in ["a", "ab", "abc", "a1", "a-1", "a--1--2--b", "0", "01", "0-0", "1-a", String(repeating: "a", count: 63)] {
            #expect(Validation.isDNS1123Label(good).isEmpty, "\(good)")
        }
        let bad: [(String, [String])] = [
            ("", [Self.dns1123LabelError]), ("A", [Self.dns1123LabelError]), ("ABC", [Self.dns1123LabelError]), ("aBc", [Self.dns1123LabelError]),
            ("a_b", [Self.dns1123LabelError]), ("-a", [Self.dns1123LabelError]), ("a-", [Self.dns1123LabelError]), ("a b", [Self.dns1123LabelError]),
            ("a.b", ["must not contain dots"]), ("1.2.3", ["must not contain dots"]), ("a..b", [Self.dns1123LabelError]),
            (String(repeating: "a", count: 64), ["must be no more than 63 characters"]),
            (String(repeating: "-", count: 64), ["must be no more than 63 characters", Self.dns1123LabelError]),
        ]
        for (value, errors) in bad { #expect(Validation.isDNS1123Label(value) == errors, "\(value)") }
    }

    @Test func dns1123Subdomains() {
        let long = Array(repeating: String(repeating: "a", count: 63), count: 4).joined(separator: ".")  // 255
        for good in ["a", "ab", "a.b", "a-1.b-2", "0.0", "11.22.33", "example.com", String(long.prefix(253))] {
            #expect(Validation.isDNS1123Subdomain(good).isEmpty, "\(good)")
        }
        for bad in ["", "A", "a.B", ".a", "a.", "a..b", "-a", "a-", "a.-b", "a_b", "a b", "ü"] {
            #expect(Validation.isDNS1123Subdomain(bad) == [Self.dns1123SubdomainError], "\(bad)")
        }
        #expect(Validation.isDNS1123Subdomain(long) == ["must be no more than 253 characters"])
        #expect(
            Self.dns1123SubdomainError
                == "a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character (e.g. 'example.com', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')"
        )
    }

    @Test func dns1035Labels() {
        for good in ["a", "ab", "a1", "a-1", "a--1--2--b", String(repeating: "a", count: 63)] {
            #expect(Validation.isDNS1035Label(good).isEmpty, "\(good)")
        }
        for bad in ["", "0", "01", "1-a", "A", "a-", "-a", "a.b", "a_b"] {
            #expect(Validation.isDNS1035Label(bad) == [Self.dns1035Error], "\(bad)")
        }
        #expect(Validation.isDNS1035Label(String(repeating: "a", count: 64)) == ["must be no more than 63 characters"])
    }

    @Test func qualifiedNames() {
        let good = [
            "simple", "now-with-dashes", "1-starts-with-num", "1234", "simple/simple", "now-with-dashes/simple",
            "now-with-dashes/now-with-dashes", "now.with.dots/simple", "now-with.dashes-and.dots/simple",
            "1-num.2-num/3-num", "1234/5678", "1.2.3.4/5678", "Uppercase_Is_OK_123", "example.com/Uppercase_Is_OK_123",
            "requests.storage-foo", String(repeating: "a", count: 63), String(repeating: "a", count: 253) + "/" + String(repeating: "b", count: 63),
        ]
        for name in good { #expect(Validation.isQualifiedName(name).isEmpty, "\(name)") }
        let keyError =
            "a valid label key must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyName',  or 'my.name',  or '123-abc', regex used for validation is '([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]') with an optional DNS subdomain prefix and '/' (e.g. 'example.com/MyName')"
        let bad: [(String, [String])] = [
            ("", ["name part must be non-empty", Self.nameError]),
            ("nospecialchars%^=@", [Self.nameError]), ("cantendwithadash-", [Self.nameError]), ("-cantstartwithadash-", [Self.nameError]),
            ("only/one/slash", [keyError]), ("Example.com/abc", ["prefix part " + Self.dns1123SubdomainError]),
            ("example_com/user", ["prefix part " + Self.dns1123SubdomainError]), ("example.com/", ["name part must be non-empty", Self.nameError]),
            ("/simple", ["prefix part must be non-empty"]), ("example.com/a b", [Self.nameError]),
            (String(repeating: "a", count: 64), ["name part must be no more than 63 bytes"]),
            (String(repeating: "a", count: 254) + "/abc", ["prefix part must be no more than 253 bytes"]),
        ]
        for (name, errors) in bad { #expect(Validation.isQualifiedName(name) == errors, "\(name)") }
    }

    @Test func labelValues() {
        for good in ["", "simple", "now-with-dashes", "1-starts-with-num", "end-with-num-1", "1234", String(repeating: "a", count: 63), "A_b.C-9"] {
            #expect(Validation.isLabelValue(good).isEmpty, "\(good)")
            #expect(Validation.isValidLabelValue(good))
        }
        for bad in ["nospecialchars%^=@", "Tama-nui-te-rā.is.Māori.sun", "\\backslashes\\are\\bad", "-starts-with-dash", "ends-with-dash-", ".starts.with.dot", "ends.with.dot.", "a b"] {
            #expect(Validation.isLabelValue(bad) == [Self.valueError], "\(bad)")
            #expect(!Validation.isValidLabelValue(bad))
        }
        #expect(Validation.isLabelValue(String(repeating: "a", count: 64)) == ["must be no more than 63 bytes"])
    }

    @Test func labelsAndAnnotationsAsFieldErrors() {
        let labels = Validation.validateLabels(["good": "ok", "bad key": "ok", "k": "bad value"], path: "metadata.labels")
        #expect(
            labels.map(\.description) == [
                "metadata.labels: Invalid value: \"bad key\": " + Self.nameError,
                "metadata.labels: Invalid value: \"bad value\": " + Self.valueError,
            ])
        #expect(Validation.validateLabels(nil, path: "x").isEmpty)

        // Annotation keys are checked lowercased, so capitals in the prefix are fine.
        #expect(Validation.validateAnnotations(["Example.COM/Key": "v", "kubectl.kubernetes.io/last-applied-configuration": "{}"], path: "metadata.annotations").isEmpty)
        let badKey = Validation.validateAnnotations(["a/b/c": "v"], path: "metadata.annotations")
        #expect(badKey.count == 1 && badKey[0].field == "metadata.annotations" && badKey[0].value == "\"a/b/c\"")

        let limit = Validation.totalAnnotationSizeLimit
        #expect(limit == 262_144)
        #expect(Validation.validateAnnotations(["k": String(repeating: "x", count: limit - 1)], path: "m").isEmpty)
        let tooBig = Validation.validateAnnotations(["k": String(repeating: "x", count: limit)], path: "metadata.annotations")
        #expect(tooBig.map(\.description) == ["metadata.annotations: Too long: may not be more than 262144 bytes"])
        #expect(tooBig.first?.type == .tooLong)
    }

    @Test func regexErrorFormatting() {
        #expect(Validation.regexError("msg", "re") == "msg (regex used for validation is 're')")
        #expect(Validation.regexError("msg", "re", examples: ["a"]) == "msg (e.g. 'a', regex used for validation is 're')")
        #expect(Validation.regexError("msg", "re", examples: ["a", "b"]) == "msg (e.g. 'a',  or 'b', regex used for validation is 're')")
    }

    @Test func fullyQualifiedDomainNames() {
        #expect(Validation.validateFullyQualifiedDomainName("example.com", path: "p").isEmpty)
        #expect(Validation.validateFullyQualifiedDomainName("example.com.", path: "p").isEmpty)
        #expect(Validation.validateFullyQualifiedDomainName("", path: "p").map(\.description) == ["p: Required value"])
        #expect(
            Validation.validateFullyQualifiedDomainName("example", path: "p").map(\.description)
                == ["p: Invalid value: \"example\": should be a domain with at least two segments separated by dots"])
    }
}
