import Foundation
import Testing

@testable import TugAPI

/// The string form of label selectors: parsing, printing, matching and errors, as Kubernetes'
/// `labels.Parse`.
struct LabelSelectorTests {
    static let parsed: [(String, String)] = [
        // input, Kubernetes' String() of the result (sorted by key, values sorted)
        ("", ""), ("x=a,y=b,z=c", "x=a,y=b,z=c"), ("x!=a,y=b", "x!=a,y=b"), ("x=", "x="), ("x= ", "x="),
        ("x=,z= ", "x=,z="), ("!x", "!x"), ("x>1", "x>1"), ("x>1,z<5", "x>1,z<5"), ("a==b", "a==b"),
        (" a = b , c ", "a=b,c"), ("\rx", "x"), ("a ", "a"),
        ("a=b,c!=d,e in (x,y),f notin (z),g,!h", "a=b,c!=d,e in (x,y),f notin (z),g,!h"),
        ("x=a,a=x", "a=x,x=a"), ("z in (b,a),y", "y,z in (a,b)"),
        ("this-is-a-dns.domain.com/key-with-dash", "this-is-a-dns.domain.com/key-with-dash"),
        ("this-is-another-dns.domain.com/key-with-dash in (so,what)", "this-is-another-dns.domain.com/key-with-dash in (so,what)"),
        ("0.1.2.domain/99 notin (10.10.100.1, tick.tack.clock)", "0.1.2.domain/99 notin (10.10.100.1,tick.tack.clock)"),
        ("foo  in\t (abc)", "foo in (abc)"), ("x notin\n (abc)", "x notin (abc)"), ("x  notin\t\t(abc,def)", "x notin (abc,def)"),
        ("x in (abc,)", "x in (,abc)"), ("x in (abc,abc)", "x in (abc)"), ("x in ()", "x in ()"), ("x in (a,,)", "x in (,a)"),
        ("x in (a,,,,,,)", "x in (,a)"), ("x in (a,,a,,a,,a,,)", "x in (,a)"), ("x notin ( )", "x notin ()"),
        ("x notin (, a)", "x notin (,a)"), ("x notin (abc,,def),bar,z in (),w", "bar,w,x notin (,abc,def),z in ()"),
        ("a in (x,y,notin, z,in)", "a in (in,notin,x,y,z)"), ("notin=in", "notin=in"), ("in in (in)", "in in (in)"),
        ("x=a,x!=b", "x=a,x!=b"), ("x!=b,x=a", "x!=b,x=a"), ("k8s.io/app in (web)", "k8s.io/app in (web)"),
    ]

    @Test(arguments: parsed)
    func parsesAndPrintsLikeKubernetes(_ input: String, _ printed: String) throws {
        let selector = try Labels.Selector(parsing: input)
        #expect(selector.description == printed)
        #expect(try Labels.Selector(parsing: printed) == selector)
    }

    static let labelValueMessage =
        "a valid label must be an empty string or consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyValue',  or 'my_value',  or '12345', regex used for validation is '(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?')"

    static let invalid: [(String, String)] = [
        ("x=a||y=b", "unable to parse requirement: values[0][x]: Invalid value: \"a||y\": " + labelValueMessage),
        ("x==a==b", "found '==', expected: ',' or 'end of string'"),
        ("!x=a", "found '=', expected: ',' or 'end of string'"),
        ("x<a", "unable to parse requirement: values[0]: Invalid value: \"a\": for 'Gt', 'Lt' operators, the value must be an integer"),
        ("x,,y", "found ',', expected: identifier after ','"),
        (",x,y", "found ',', expected: !, identifier, or 'end of string'"),
        ("x nott in (y)", "unable to parse requirement: found 'nott', expected: in, notin, =, ==, !=, gt, lt"),
        ("a in (xyz),", "found '', expected: identifier after ','"),
        ("a in (xyz)b notin ()", "found 'b', expected: ',' or 'end of string'"),
        ("a in (xyz abc)", "unable to parse requirement: found 'abc', expected: ',' or ')'"),
        ("a notin(", "unable to parse requirement: found '', expected: ',', ')' or identifier"),
        ("a (", "unable to parse requirement: found '(', expected: in, notin, =, ==, !=, gt, lt"),
        ("(", "found '(', expected: !, identifier, or 'end of string'"),
        ("x in (a", "unable to parse requirement: found '', expected: ',' or ')'"),
        ("x in (a,", "unable to parse requirement: found '', expected: ',', or identifier"),
        ("x in a", "unable to parse requirement: found 'a' expected: '('"),
        ("x in (=)", "unable to parse requirement: found '=', expected: ',', ')' or identifier"),
        ("x in (a,=)", "unable to parse requirement: found '=', expected: ',', or identifier"),
        ("a=(b)", "unable to parse requirement: found '(', expected: identifier"),
        ("a!", "unable to parse requirement: found '!', expected: in, notin, =, ==, !=, gt, lt"),
        ("!", "unable to parse requirement: found '', expected: identifier"),
        ("!=a", "found '!=', expected: !, identifier, or 'end of string'"),
        ("a=b c", "found 'c', expected: ',' or 'end of string'"),
        ("x>1,y>", "unable to parse requirement: values[0]: Invalid value: \"\": for 'Gt', 'Lt' operators, the value must be an integer"),
        (
            "a@b=c",
            "unable to parse requirement: <nil>: Invalid value: \"a@b\": name part must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyName',  or 'my.name',  or '123-abc', regex used for validation is '([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]')"
        ),
        (
            "app=a@b",
            "unable to parse requirement: values[0][app]: Invalid value: \"a@b\": a valid label must be an empty string or consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyValue',  or 'my_value',  or '12345', regex used for validation is '(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?')"
        ),
        (
            "x in (a,-b-)",
            "unable to parse requirement: values[0][x]: Invalid value: \"-b-\": a valid label must be an empty string or consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyValue',  or 'my_value',  or '12345', regex used for validation is '(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?')"
        ),
        (
            "Example.com/app",
            "unable to parse requirement: <nil>: Invalid value: \"Example.com/app\": prefix part a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character (e.g. 'example.com', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')"
        ),
        (
            String(repeating: "a", count: 64),
            "unable to parse requirement: <nil>: Invalid value: \"\(String(repeating: "a", count: 64))\": name part must be no more than 63 bytes"
        ),
    ]

    @Test(arguments: invalid)
    func rejectsWithKubernetesMessages(_ input: String, _ message: String) {
        do {
            let selector = try Labels.Selector(parsing: input)
            Issue.record("\(input) parsed as \(selector)")
        } catch {
            #expect(error.message == message)
        }
    }

    static let matching: [(String, [String: String], Bool)] = [
        ("", ["x": "y"], true), ("x=y", ["x": "y"], true), ("x=y,z=w", ["x": "y", "z": "w"], true),
        ("x!=y,z!=w", ["x": "z", "z": "a"], true), ("notin=in", ["notin": "in"], true), ("x", ["x": "z"], true),
        ("!x", ["y": "z"], true), ("x>1", ["x": "2"], true), ("x<1", ["x": "0"], true), ("x=z", [:], false),
        ("x=y", ["x": "z"], false), ("x=y,z=w", ["x": "w", "z": "w"], false), ("x!=y,z!=w", ["x": "z", "z": "w"], false),
        ("x", ["y": "z"], false), ("!x", ["x": "z"], false), ("x>1", ["x": "0"], false), ("x<1", ["x": "2"], false),
        ("x>1", ["x": "v2"], false), ("x>1", [:], false), ("x>5", ["x": "06"], true), ("x<5", ["x": "-4"], true), ("x!=a", [:], true),
        ("x notin (a)", [:], true), ("x in (a,b)", ["x": "b"], true), ("x in (a,b)", ["x": "c"], false),
        ("x in (a,b)", [:], false), ("x notin (a,b)", ["x": "a"], false), ("x=", ["x": ""], true), ("x=", [:], false),
        ("x in ()", ["x": ""], true), ("x notin ()", ["y": ""], true), ("x notin ()", ["x": ""], false),
        ("foo=bar,baz=blah", ["foo": "bar", "baz": "blah"], true), ("foo=blah", ["foo": "bar", "baz": "blah"], false),
        ("x=a,x!=b", ["x": "a"], true), ("x=a,x!=a", ["x": "a"], false),
    ]

    @Test(arguments: matching)
    func matchesLabels(_ selector: String, _ labels: [String: String], _ expected: Bool) throws {
        #expect(try Labels.Selector(parsing: selector).matches(labels: labels) == expected)
    }

    @Test func everythingAndNothing() throws {
        #expect(Labels.Selector.everything.matches(labels: ["a": "b"]))
        #expect(Labels.Selector.everything.isEmpty)
        #expect(Labels.Selector.everything.description == "")
        #expect(!Labels.Selector.nothing.matches(labels: [:]))
        #expect(!Labels.Selector.nothing.isEmpty)
        #expect(Labels.Selector.nothing.description == "")
        #expect(Labels.Selector.nothing.adding([Labels.Requirement(unchecked: "a", .exists, [])]) == .nothing)
        let none: [String: String]? = nil
        #expect(Labels.Selector.everything.matches(labels: none))
        #expect(!(try Labels.Selector(parsing: "a")).matches(labels: none))
    }

    @Test func selectorsFromMaps() throws {
        let selector = Labels.Selector(matching: ["b": "2", "a": "1"])
        #expect(selector.description == "a=1,b=2")
        #expect(selector.matches(labels: ["a": "1", "b": "2", "c": "3"]))
        #expect(!selector.matches(labels: ["a": "1"]))
        #expect(Labels.Selector(matching: [:]).isEmpty)
        #expect(try Labels.Selector(validating: ["app": "web"]).description == "app=web")
        #expect(throws: Labels.SelectorError.self) { try Labels.Selector(validating: ["app": "a b"]) }
    }

    @Test func exactMatchAndAdding() throws {
        let selector = try Labels.Selector(parsing: "a=1,b in (2),c in (3,4),d!=5")
        #expect(selector.requiresExactMatch("a") == "1")
        #expect(selector.requiresExactMatch("b") == "2")
        #expect(selector.requiresExactMatch("c") == nil)
        #expect(selector.requiresExactMatch("d") == nil)
        #expect(selector.requiresExactMatch("e") == nil)
        let more = selector.adding([try Labels.Requirement(key: "0a", operator: .exists)])
        #expect(more.description == "0a,a=1,b in (2),c in (3,4),d!=5")
    }

    @Test func requirementConstructorValidates() {
        let cases: [(String, Labels.Operator, [String], String?)] = [
            ("x", .in, ["a"], nil), ("x", .exists, [], nil), ("x", .greaterThan, ["1"], nil),
            ("x", .in, [], "values: Invalid value: []: for 'in', 'notin' operators, values set can't be empty"),
            ("x", .equals, ["a", "b"], "values: Invalid value: [\"a\",\"b\"]: exact-match compatibility requires one single value"),
            ("x", .exists, ["a"], "values: Invalid value: [\"a\"]: values set must be empty for exists and does not exist"),
            ("x", .lessThan, ["1", "2"], "values: Invalid value: [\"1\",\"2\"]: for 'Gt', 'Lt' operators, exactly one value is required"),
            (
                "x", .greaterThan, ["a"],
                "values[0]: Invalid value: \"a\": for 'Gt', 'Lt' operators, the value must be an integer"
            ),
            (
                "", .exists, [],
                "key: Invalid value: \"\": name part must be non-empty; name part must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyName',  or 'my.name',  or '123-abc', regex used for validation is '([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]')"
            ),
        ]
        for (key, op, values, message) in cases {
            do {
                _ = try Labels.Requirement(key: key, operator: op, values: values)
                #expect(message == nil, "\(key) \(op) \(values)")
            } catch {
                #expect(error.message == message, "\(key) \(op) \(values)")
            }
        }
    }

    @Test func labelMapsPrintLikeKubectl() {
        #expect(Labels.format(nil) == "<none>")
        #expect(Labels.format([:]) == "<none>")
        #expect(Labels.format(["b": "2", "a": "1", "B": ""]) == "B=,a=1,b=2")
    }

    @Test func requirementsPrintSortedValues() {
        #expect(Labels.Requirement(unchecked: "x", .in, ["def", "abc"]).description == "x in (abc,def)")
        #expect(Labels.Requirement(unchecked: "x", .notIn, ["b"]).description == "x notin (b)")
        #expect(Labels.Requirement(unchecked: "x", .doesNotExist, []).description == "!x")
        #expect(Labels.Requirement(unchecked: "x", .lessThan, ["8"]).description == "x<8")
        #expect(Labels.Requirement(unchecked: "x", .doubleEquals, ["a"]).description == "x==a")
    }
}
