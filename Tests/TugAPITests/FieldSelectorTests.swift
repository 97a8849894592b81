import Foundation
import Testing

@testable import TugAPI

/// Field selectors as Kubernetes' `fields.ParseSelector`: splitting, escaping, matching and
/// the server's check of supported fields.
struct FieldSelectorTests {
    static let parsed: [(String, String, [Fields.Requirement])] = [
        ("", "", []),
        ("metadata.name=x", "metadata.name=x", [.init(field: "metadata.name", operator: .equals, value: "x")]),
        (
            "metadata.name=x,status.phase!=Running", "metadata.name=x,status.phase!=Running",
            [
                .init(field: "metadata.name", operator: .equals, value: "x"),
                .init(field: "status.phase", operator: .notEquals, value: "Running"),
            ]
        ),
        ("a==b", "a=b", [.init(field: "a", operator: .equals, value: "b")]),
        ("b=1,a=2", "a=2,b=1", [.init(field: "a", operator: .equals, value: "2"), .init(field: "b", operator: .equals, value: "1")]),
        ("spec.nodeName=", "spec.nodeName=", [.init(field: "spec.nodeName", operator: .equals, value: "")]),
        ("a=b\\,c", "a=b\\,c", [.init(field: "a", operator: .equals, value: "b,c")]),
        ("a=b\\=c", "a=b\\=c", [.init(field: "a", operator: .equals, value: "b=c")]),
        ("a=b\\\\c", "a=b\\\\c", [.init(field: "a", operator: .equals, value: "b\\c")]),
        ("a!=b\\,c\\=d", "a!=b\\,c\\=d", [.init(field: "a", operator: .notEquals, value: "b,c=d")]),
        ("a=b,,c=d", "a=b,c=d", [.init(field: "a", operator: .equals, value: "b"), .init(field: "c", operator: .equals, value: "d")]),
        ("x=a b", "x=a b", [.init(field: "x", operator: .equals, value: "a b")]),
        ("x=!", "x=!", [.init(field: "x", operator: .equals, value: "!")]),
        ("a!b=c", "a!b=c", [.init(field: "a!b", operator: .equals, value: "c")]),
        ("=x", "=x", [.init(field: "", operator: .equals, value: "x")]),
        (
            "involvedObject.namespace=ns,involvedObject.uid=u-1,involvedObject.name=p",
            "involvedObject.name=p,involvedObject.namespace=ns,involvedObject.uid=u-1",
            [
                .init(field: "involvedObject.name", operator: .equals, value: "p"),
                .init(field: "involvedObject.namespace", operator: .equals, value: "ns"),
                .init(field: "involvedObject.uid", operator: .equals, value: "u-1"),
            ]
        ),
    ]

    @Test(arguments: parsed)
    func parsesLikeKubernetes(_ input: String, _ printed: String, _ requirements: [Fields.Requirement]) throws {
        let selector = try Fields.Selector(parsing: input)
        #expect(selector.requirements == requirements)
        #expect(selector.description == printed)
        #expect(try Fields.Selector(parsing: printed) == selector)
    }

    static let invalid: [(String, String)] = [
        ("abc", "invalid selector: 'abc'; can't understand 'abc'"),
        ("a=b,c", "invalid selector: 'a=b,c'; can't understand 'c'"),
        ("a=b=c", "invalid field selector: unescaped character in value: 61"),
        ("a=b\\x", "invalid field selector: invalid escape sequence: \\x"),
        ("a=b\\", "invalid field selector: invalid escape sequence: \\"),
        ("a!b", "invalid selector: 'a!b'; can't understand 'a!b'"),
    ]

    @Test(arguments: invalid)
    func rejectsWithKubernetesMessages(_ input: String, _ message: String) {
        #expect(throws: Fields.SelectorError(message)) { try Fields.Selector(parsing: input) }
    }

    static let matching: [(String, [String: String], Bool)] = [
        ("", ["a": "b"], true), ("metadata.name=x", ["metadata.name": "x"], true),
        ("metadata.name=x", ["metadata.name": "y"], false), ("metadata.name=x", [:], false),
        ("status.phase!=Running", ["status.phase": "Pending"], true), ("status.phase!=Running", ["status.phase": "Running"], false),
        ("status.phase!=Running", [:], true), ("spec.nodeName=", [:], true), ("spec.nodeName=", ["spec.nodeName": "n1"], false),
        ("spec.nodeName!=", ["spec.nodeName": "n1"], true), ("a=1,b=2", ["a": "1", "b": "2"], true), ("a=1,b=2", ["a": "1"], false),
        ("a=x\\,y", ["a": "x,y"], true),
    ]

    @Test(arguments: matching)
    func matchesFields(_ selector: String, _ fields: [String: String], _ expected: Bool) throws {
        let parsed = try Fields.Selector(parsing: selector)
        #expect(parsed.matches(fields: fields) == expected)
        #expect(parsed.matches { fields[$0] } == expected)
    }

    @Test func supportedFieldsCheck() throws {
        let supported: Set<String> = ["metadata.name", "metadata.namespace", "status.phase"]
        let good = try Fields.Selector(parsing: "metadata.name=x,status.phase=Running")
        #expect(good.unsupportedField(supported: supported) == nil)
        #expect(throws: Never.self) { try good.validate(supported: supported) }
        let bad = try Fields.Selector(parsing: "metadata.name=x,spec.foo=bar")
        #expect(bad.unsupportedField(supported: supported) == "spec.foo")
        #expect(throws: Fields.SelectorError("field label not supported: spec.foo")) { try bad.validate(supported: supported) }
        #expect(bad.fields == ["metadata.name", "spec.foo"])
    }

    @Test func exactMatchTransformAndSets() throws {
        let selector = try Fields.Selector(parsing: "metadata.name=x,status.phase!=Running")
        #expect(selector.requiresExactMatch("metadata.name") == "x")
        #expect(selector.requiresExactMatch("status.phase") == nil)
        let renamed = selector.transformed { r in
            var r = r
            if r.field == "metadata.name" { r.field = "name" }
            if r.field == "status.phase" { r.field = ""; r.value = "" }
            return r
        }
        #expect(renamed.description == "name=x")
        #expect(Fields.Selector(matching: ["b": "1", "a": "x,y"]).description == "a=x\\,y,b=1")
        #expect(Fields.Selector.everything.isEmpty)
        #expect(Fields.Selector.everything.matches(fields: [:]))
    }

    @Test func escapingRoundTrips() throws {
        for value in ["", "plain", "a,b", "a=b", "a\\b", "\\,=", "ünïcode,="] {
            #expect(try Fields.unescape(Fields.escape(value)) == value)
        }
        #expect(Fields.escape("a\\b,c=d") == "a\\\\b\\,c\\=d")
    }
}
