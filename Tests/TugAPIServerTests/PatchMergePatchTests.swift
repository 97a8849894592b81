import XCTest
import TugAPI
@testable import TugAPIServer

/// RFC 7386 JSON merge patch: the RFC's own examples, then Deployment patches as kubectl sends them.
final class PatchMergePatchTests: XCTestCase {
    static let rfcCases: [(JSONValue, JSONValue, JSONValue)] = [
        (["a": "b"], ["a": "c"], ["a": "c"]),
        (["a": "b"], ["b": "c"], ["a": "b", "b": "c"]),
        (["a": "b"], ["a": nil], [:]),
        (["a": "b", "b": "c"], ["a": nil], ["b": "c"]),
        (["a": ["b"]], ["a": "c"], ["a": "c"]),
        (["a": "c"], ["a": ["b"]], ["a": ["b"]]),
        (["a": ["b": "c"]], ["a": ["b": "d", "c": nil]], ["a": ["b": "d"]]),
        (["a": [["b": "c"]]], ["a": [1]], ["a": [1]]),
        (["a", "b"], ["c", "d"], ["c", "d"]),
        (["a": "b"], ["c"], ["c"]),
        (["a": "foo"], nil, nil),
        (["a": "foo"], "bar", "bar"),
        (["e": nil], ["a": 1], ["e": nil, "a": 1]),
        ([1, 2], ["a": "b", "c": nil], ["a": "b"]),
        ([:], ["a": ["bb": ["ccc": nil]]], ["a": ["bb": [:]]]),
    ]

    func testRFCExamples() {
        for (i, (target, patch, expected)) in Self.rfcCases.enumerated() {
            XCTAssertEqual(JSONMergePatch.apply(patch, to: target), expected, "RFC 7386 example \(i + 1)")
        }
    }

    func testScaleDeployment() {
        let out = JSONMergePatch.apply(["spec": ["replicas": 3]], to: PatchTestMeta.liveDeployment)
        XCTAssertEqual(out, PatchTestMeta.liveDeployment.setting(["spec", "replicas"], 3))
    }

    func testListsAreReplacedWhole() {
        let out = JSONMergePatch.apply(["spec": ["template": ["spec": ["containers": [["name": "web", "image": "nginx:1.27"]]]]]],
                                       to: PatchTestMeta.liveDeployment)
        XCTAssertEqual(out["spec"]?["template"]?["spec"]?["containers"], [["name": "web", "image": "nginx:1.27"]])
        XCTAssertEqual(out["spec"]?["template"]?["spec"]?["restartPolicy"], "Always")
    }

    func testNullRemovesLabelAndNestedObject() {
        let out = JSONMergePatch.apply(["metadata": ["labels": ["tier": nil]], "spec": ["strategy": ["rollingUpdate": nil, "type": "Recreate"]]],
                                       to: PatchTestMeta.liveDeployment)
        XCTAssertEqual(out["metadata"]?["labels"], ["app": "web"])
        XCTAssertEqual(out["spec"]?["strategy"], ["type": "Recreate"])
    }
}
