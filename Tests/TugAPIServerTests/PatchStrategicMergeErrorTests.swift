import XCTest
import TugAPI
@testable import TugAPIServer

/// Strategic merge patch errors: codes and messages as kube-apiserver words them.
final class PatchStrategicMergeErrorTests: XCTestCase {
    struct Case {
        let name: String
        let original: JSONValue
        let patch: JSONValue
        let code: Int
        let message: String
    }

    static let pod: JSONValue = ["metadata": ["name": "p", "labels": ["app": "web"], "finalizers": ["a"]],
                                 "spec": ["containers": [["name": "web", "image": "nginx"]]]]

    static let cases: [Case] = [
        Case(name: "$patch: merge in a list", original: pod,
             patch: ["spec": ["containers": [["name": "web", "$patch": "merge"]]]],
             code: 400, message: "merging lists cannot yet be specified in the patch"),
        Case(name: "unknown $patch in a map", original: pod,
             patch: ["metadata": ["labels": ["$patch": "foo", "app": "web"]]],
             code: 400, message: "unknown patch type: foo in map: map[$patch:foo app:web]"),
        Case(name: "list item without its merge key", original: pod,
             patch: ["spec": ["containers": [["image": "nginx"]]]],
             code: 400, message: "map: map[image:nginx] does not contain declared merge key: name"),
        Case(name: "$retainKeys is not a list", original: pod,
             patch: ["spec": ["$retainKeys": "containers"]],
             code: 400, message: "invalid patch format of retainKeys"),
        Case(name: "a patched key outside $retainKeys", original: pod,
             patch: ["spec": ["$retainKeys": ["containers"], "restartPolicy": "Never"]],
             code: 400, message: "invalid patch format of retainKeys"),
        Case(name: "$setElementOrder disagrees with the patch list", original: pod,
             patch: ["spec": ["$setElementOrder/containers": [["name": "b"], ["name": "a"]], "containers": [["name": "a"], ["name": "b"]]]],
             code: 400, message: "The order in patch list:\n[map[name:a] map[name:b]]\n doesn't match $setElementOrder list:\n[map[name:b] map[name:a]]\n"),
        Case(name: "$setElementOrder is not a list", original: pod,
             patch: ["spec": ["$setElementOrder/containers": "web"]],
             code: 400, message: "expected a []interface {}, but received a string"),
        Case(name: "$deleteFromPrimitiveList without a field", original: pod,
             patch: ["metadata": ["$deleteFromPrimitiveList": ["a"]]],
             code: 400, message: "invalid patch format of primitive list"),
        Case(name: "lists of lists", original: ["metadata": ["finalizers": []]],
             patch: ["metadata": ["finalizers": [["a"]]]],
             code: 422, message: "the server rejected our request due to an error in our request"),
        Case(name: "mixed item types in a merged list", original: pod,
             patch: ["metadata": ["finalizers": [1]]],
             code: 400, message: "list element types are not identical: [a 1]"),
        Case(name: "a patch that is not an object", original: pod,
             patch: [["op": "add"]],
             code: 400, message: "json: cannot unmarshal array into Go value of type map[string]interface {}"),
    ]

    func testErrors() {
        for c in Self.cases {
            XCTAssertThrowsError(try StrategicMergePatch.apply(c.patch, to: c.original, meta: PatchTestMeta.pod), c.name) { error in
                guard let e = error as? APIError else { return XCTFail("\(c.name): not an APIError: \(error)") }
                XCTAssertEqual(e.code, c.code, c.name)
                XCTAssertEqual(e.message, c.message, c.name)
            }
        }
    }

    func testListOfListsNamesTheCause() {
        XCTAssertThrowsError(try StrategicMergePatch.apply(["metadata": ["finalizers": [["a"]]]], to: ["metadata": ["finalizers": []]],
                                                         meta: PatchTestMeta.pod)) { error in
            let e = error as? APIError
            XCTAssertEqual(e?.reason, "Invalid")
            XCTAssertEqual(e?.details?.causes.first?.message, "lists of lists are not supported")
        }
    }
}
