import Foundation
import Testing

@testable import TugAPI

/// Conversions between API selectors (`metav1.LabelSelector`, node selector requirements) and
/// `Labels.Selector`, and how kubectl prints them.
struct LabelSelectorAPITests {
    typealias Expression = MetaV1.LabelSelectorRequirement

    @Test func nilMatchesNothingAndEmptyMatchesEverything() throws {
        #expect(try Labels.Selector(nil as MetaV1.LabelSelector?) == .nothing)
        #expect(try Labels.Selector(MetaV1.LabelSelector()) == .everything)
        #expect(try Labels.Selector(MetaV1.LabelSelector(matchLabels: [:], matchExpressions: [])) == .everything)
    }

    @Test func convertsMatchLabelsAndExpressions() throws {
        let api = MetaV1.LabelSelector(
            matchLabels: ["tier": "web", "app": "shop"],
            matchExpressions: [
                Expression(key: "env", operator: "In", values: ["prod", "dev"]),
                Expression(key: "track", operator: "NotIn", values: ["canary"]),
                Expression(key: "owner", operator: "Exists"),
                Expression(key: "legacy", operator: "DoesNotExist"),
            ])
        let selector = try Labels.Selector(api)
        #expect(selector.description == "app=shop,env in (dev,prod),!legacy,owner,tier=web,track notin (canary)")
        #expect(selector.matches(labels: ["app": "shop", "tier": "web", "env": "prod", "owner": "me"]))
        #expect(!selector.matches(labels: ["app": "shop", "tier": "web", "env": "prod", "owner": "me", "legacy": "1"]))
        #expect(!selector.matches(labels: ["app": "shop", "tier": "web", "env": "qa", "owner": "me"]))
        #expect(!selector.matches(labels: ["app": "shop", "tier": "web", "env": "prod", "owner": "me", "track": "canary"]))
        #expect(try api.parsed() == selector)
    }

    static let conversionErrors: [(MetaV1.LabelSelector, String)] = [
        (.init(matchExpressions: [Expression(key: "a", operator: "Foo")]), "\"Foo\" is not a valid label selector operator"),
        (.init(matchExpressions: [Expression(key: "a")]), "\"\" is not a valid label selector operator"),
        (.init(matchExpressions: [Expression(key: "a", operator: "Gt", values: ["1"])]), "\"Gt\" is not a valid label selector operator"),
        (
            .init(matchExpressions: [Expression(key: "a", operator: "In")]),
            "values: Invalid value: null: for 'in', 'notin' operators, values set can't be empty"
        ),
        (
            .init(matchExpressions: [Expression(key: "a", operator: "NotIn", values: [])]),
            "values: Invalid value: null: for 'in', 'notin' operators, values set can't be empty"
        ),
        (
            .init(matchExpressions: [Expression(key: "a", operator: "Exists", values: ["x"])]),
            "values: Invalid value: [\"x\"]: values set must be empty for exists and does not exist"
        ),
        (
            .init(matchLabels: ["a b": "c"]),
            "key: Invalid value: \"a b\": name part must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyName',  or 'my.name',  or '123-abc', regex used for validation is '([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]')"
        ),
    ]

    @Test(arguments: conversionErrors)
    func conversionReportsKubernetesErrors(_ api: MetaV1.LabelSelector, _ message: String) {
        do {
            let selector = try Labels.Selector(api)
            Issue.record("converted to \(selector)")
        } catch {
            #expect(error.message == message)
        }
        #expect(Labels.Selector.format(api) == "<error>")
    }

    @Test func kubectlFormatting() {
        #expect(Labels.Selector.format(nil) == "<none>")
        #expect(Labels.Selector.format(MetaV1.LabelSelector()) == "<none>")
        #expect(Labels.Selector.format(MetaV1.LabelSelector(matchLabels: ["app": "web"])) == "app=web")
        let mixed = MetaV1.LabelSelector(
            matchLabels: ["app": "web"], matchExpressions: [Expression(key: "tier", operator: "In", values: ["b", "a"])])
        #expect(Labels.Selector.format(mixed) == "app=web,tier in (a,b)")
    }

    @Test func parsesStringsIntoAPISelectors() throws {
        let api = try MetaV1.LabelSelector(parsing: "a=b,c in (y,x),!d,e,f==g,h notin (i)")
        #expect(api.matchLabels == ["a": "b", "f": "g"])
        #expect(
            api.matchExpressions == [
                Expression(key: "c", operator: "In", values: ["x", "y"]),
                Expression(key: "d", operator: "DoesNotExist"),
                Expression(key: "e", operator: "Exists"),
                Expression(key: "h", operator: "NotIn", values: ["i"]),
            ])
        let empty = try MetaV1.LabelSelector(parsing: "")
        #expect(empty.matchLabels == [:] && empty.matchExpressions == [])
        let errors: [(String, String)] = [
            ("a>1", "\"gt\" isn't supported in label selectors"),
            ("a!=b", "\"!=\" is not a valid label selector operator"),
            ("a in (", "couldn't parse the selector string \"a in (\": unable to parse requirement: found '', expected: ',', ')' or identifier"),
        ]
        for (input, message) in errors {
            do {
                _ = try MetaV1.LabelSelector(parsing: input)
                Issue.record("\(input) parsed")
            } catch {
                #expect(error.message == message)
            }
        }
    }

    @Test func nodeSelectorRequirementsIncludeGtAndLt() throws {
        typealias Node = CoreV1.NodeSelectorRequirement
        let selector = try Labels.Selector(nodeSelectorRequirements: [
            Node(key: "zone", operator: "In", values: ["a", "b"]),
            Node(key: "cores", operator: "Gt", values: ["4"]),
            Node(key: "age", operator: "Lt", values: ["10"]),
            Node(key: "gpu", operator: "Exists"),
            Node(key: "spot", operator: "DoesNotExist"),
            Node(key: "arch", operator: "NotIn", values: ["arm"]),
        ])
        #expect(selector.description == "age<10,arch notin (arm),cores>4,gpu,!spot,zone in (a,b)")
        #expect(selector.matches(labels: ["zone": "a", "cores": "8", "age": "3", "gpu": "1", "arch": "amd64"]))
        #expect(!selector.matches(labels: ["zone": "a", "cores": "4", "age": "3", "gpu": "1"]))
        #expect(!selector.matches(labels: ["zone": "a", "cores": "8", "age": "3", "gpu": "1", "spot": "true"]))
        #expect(try Labels.Selector(nodeSelectorRequirements: []) == .nothing)
    }

    @Test func nodeSelectorErrorsAreAggregatedWithPaths() {
        typealias Node = CoreV1.NodeSelectorRequirement
        do {
            _ = try Labels.Selector(
                nodeSelectorRequirements: [
                    Node(key: "a", operator: "Gt", values: ["x"]), Node(key: "b", operator: "Foo"),
                    Node(key: "c", operator: "In", values: ["ok"]),
                ], path: "spec.nodeSelectorTerms[0].matchExpressions")
            Issue.record("no error")
        } catch {
            #expect(
                error.message
                    == "[spec.nodeSelectorTerms[0].matchExpressions[0].values[0]: Invalid value: \"x\": for 'Gt', 'Lt' operators, the value must be an integer, spec.nodeSelectorTerms[0].matchExpressions[1].operator: Unsupported value: \"Foo\"]"
            )
            #expect(error.fieldErrors.count == 2)
        }
    }
}
