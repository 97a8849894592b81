import XCTest
import TugAPI
@testable import TugAPIServer

/// RFC 6902 JSON Patch against a Deployment, and the errors kube-apiserver answers with.
final class PatchJSONPatchTests: XCTestCase {
    static let live = PatchTestMeta.liveDeployment
    static let containers = "/spec/template/spec/containers"

    struct Case {
        let name: String
        let patch: JSONValue
        let check: @Sendable (JSONValue) -> Bool
    }

    static let cases: [Case] = [
        Case(name: "replace replicas", patch: [["op": "replace", "path": "/spec/replicas", "value": 3]],
             check: { $0["spec"]?["replicas"] == 3 }),
        Case(name: "add a label with an escaped slash",
             patch: [["op": "add", "path": "/metadata/labels/app.kubernetes.io~1name", "value": "web"]],
             check: { $0["metadata"]?["labels"]?["app.kubernetes.io/name"] == "web" }),
        Case(name: "add an annotation with an escaped tilde",
             patch: [["op": "add", "path": "/metadata/annotations", "value": [:]], ["op": "add", "path": "/metadata/annotations/a~0b", "value": "x"]],
             check: { $0["metadata"]?["annotations"]?["a~b"] == "x" }),
        Case(name: "append a container with -",
             patch: [["op": "add", "path": .string(containers + "/-"), "value": ["name": "debug", "image": "busybox"]]],
             check: { $0["spec"]?["template"]?["spec"]?["containers"]?.arrayValue?.last?["name"] == "debug" }),
        Case(name: "insert a container at index 0",
             patch: [["op": "add", "path": .string(containers + "/0"), "value": ["name": "init", "image": "busybox"]]],
             check: { $0["spec"]?["template"]?["spec"]?["containers"]?.arrayValue?.map { $0["name"] } == ["init", "web", "log-shipper"] }),
        Case(name: "insert at the end index", patch: [["op": "add", "path": .string(containers + "/2"), "value": ["name": "last"]]],
             check: { $0["spec"]?["template"]?["spec"]?["containers"]?.arrayValue?.count == 3 }),
        Case(name: "remove the sidecar", patch: [["op": "remove", "path": .string(containers + "/1")]],
             check: { $0["spec"]?["template"]?["spec"]?["containers"]?.arrayValue?.count == 1 }),
        Case(name: "remove a label", patch: [["op": "remove", "path": "/metadata/labels/tier"]],
             check: { $0["metadata"]?["labels"] == ["app": "web"] }),
        Case(name: "test then replace the image",
             patch: [["op": "test", "path": .string(containers + "/0/image"), "value": "nginx:1.25"],
                     ["op": "replace", "path": .string(containers + "/0/image"), "value": "nginx:1.27"]],
             check: { $0["spec"]?["template"]?["spec"]?["containers"]?.arrayValue?.first?["image"] == "nginx:1.27" }),
        Case(name: "test compares numbers by value", patch: [["op": "test", "path": "/spec/replicas", "value": 2.0]],
             check: { $0 == live }),
        Case(name: "move a label", patch: [["op": "move", "from": "/metadata/labels/tier", "path": "/metadata/labels/layer"]],
             check: { $0["metadata"]?["labels"] == ["app": "web", "layer": "frontend"] }),
        Case(name: "copy the selector labels to the template",
             patch: [["op": "copy", "from": "/spec/selector/matchLabels", "path": "/spec/template/metadata/labels"]],
             check: { $0["spec"]?["template"]?["metadata"]?["labels"] == ["app": "web"] }),
        Case(name: "replace the whole document", patch: [["op": "replace", "path": "", "value": ["kind": "Deployment"]]],
             check: { $0 == ["kind": "Deployment"] }),
        Case(name: "an empty patch changes nothing", patch: [], check: { $0 == live }),
    ]

    func testCases() throws {
        for c in Self.cases {
            let out = try JSONPatch.apply(c.patch, to: Self.live)
            XCTAssertTrue(c.check(out), "\(c.name): \(out.text)")
        }
    }

    struct ErrorCase {
        let name: String
        let patch: JSONValue
        let code: Int
        /// The specific reason (kube-apiserver only says "the server rejected our request...").
        let detail: String
    }

    static let errorCases: [ErrorCase] = [
        ErrorCase(name: "failed test", patch: [["op": "test", "path": "/spec/replicas", "value": 5]],
                  code: 422, detail: "testing value /spec/replicas failed: test failed"),
        ErrorCase(name: "test of a missing path", patch: [["op": "test", "path": "/spec/paused", "value": false]],
                  code: 422, detail: "testing value /spec/paused failed: test failed"),
        ErrorCase(name: "remove a missing field", patch: [["op": "remove", "path": "/spec/paused"]],
                  code: 422, detail: "remove operation does not apply: doc is missing path: /spec/paused"),
        ErrorCase(name: "replace a missing field", patch: [["op": "replace", "path": "/spec/paused", "value": true]],
                  code: 422, detail: "replace operation does not apply: doc is missing path: /spec/paused"),
        ErrorCase(name: "add below a missing parent", patch: [["op": "add", "path": "/spec/nothing/here", "value": 1]],
                  code: 422, detail: "doc is missing path: /spec/nothing/here"),
        ErrorCase(name: "index out of bounds", patch: [["op": "add", "path": .string(containers + "/5"), "value": [:]]],
                  code: 422, detail: "add operation does not apply: index 5 is out of bounds for the list at \(containers) (2 items)"),
        ErrorCase(name: "index with a leading zero", patch: [["op": "remove", "path": .string(containers + "/01")]],
                  code: 422, detail: "remove operation does not apply: doc is missing path: \(containers)/01"),
        ErrorCase(name: "- outside add", patch: [["op": "replace", "path": .string(containers + "/-"), "value": [:]]],
                  code: 422, detail: "replace operation does not apply: doc is missing path: \(containers)/-"),
        ErrorCase(name: "unknown op", patch: [["op": "merge", "path": "/spec", "value": [:]]],
                  code: 422, detail: "Unexpected kind: merge"),
        ErrorCase(name: "missing op", patch: [["path": "/spec"]],
                  code: 422, detail: "operation is missing the \"op\" member: {\"path\":\"/spec\"}"),
        ErrorCase(name: "missing value", patch: [["op": "add", "path": "/spec/paused"]],
                  code: 422, detail: "add operation is missing the \"value\" member"),
        ErrorCase(name: "pointer without a leading slash", patch: [["op": "remove", "path": "spec"]],
                  code: 422, detail: "JSON pointer must be empty or start with a \"/\": spec"),
        ErrorCase(name: "bad escape", patch: [["op": "remove", "path": "/metadata/labels/a~2b"]],
                  code: 422, detail: "invalid escape in JSON pointer /metadata/labels/a~2b: \"~\" must be followed by 0 or 1"),
        ErrorCase(name: "move into its own child", patch: [["op": "move", "from": "/spec", "path": "/spec/template/x"]],
                  code: 422, detail: "move operation cannot move /spec into its own child /spec/template/x"),
        ErrorCase(name: "remove the root", patch: [["op": "remove", "path": ""]],
                  code: 422, detail: "remove operation does not apply: the whole document cannot be removed"),
    ]

    func testErrors() {
        for c in Self.errorCases {
            XCTAssertThrowsError(try JSONPatch.apply(c.patch, to: Self.live), c.name) { error in
                guard let e = error as? APIError else { return XCTFail("\(c.name): \(error)") }
                XCTAssertEqual(e.code, c.code, c.name)
                XCTAssertEqual(e.reason, "Invalid", c.name)
                XCTAssertEqual(e.message, "the server rejected our request due to an error in our request", c.name)
                XCTAssertEqual(e.details?.causes.first?.message, c.detail, c.name)
            }
        }
    }

    func testOperationsApplyInOrderAndFailAtomically() {
        // The second operation fails, so nothing of the first survives (the caller keeps the original).
        XCTAssertThrowsError(try JSONPatch.apply([["op": "replace", "path": "/spec/replicas", "value": 9],
                                                  ["op": "test", "path": "/spec/replicas", "value": 2]], to: Self.live))
    }

    func testMalformedBodies() {
        XCTAssertThrowsError(try JSONPatch.apply(["op": "add"], to: Self.live)) { error in
            let e = error as? APIError
            XCTAssertEqual(e?.code, 400)
            XCTAssertEqual(e?.reason, "BadRequest")
            XCTAssertEqual(e?.message, "json: cannot unmarshal object into Go value of type jsonpatch.Patch")
        }
        XCTAssertThrowsError(try JSONPatch.apply(["add"], to: Self.live)) { error in
            XCTAssertEqual((error as? APIError)?.message, "json: cannot unmarshal string into Go value of type jsonpatch.Operation")
        }
    }

    func testTooManyOperations() {
        let ops = JSONValue.array(Array(repeating: ["op": "test", "path": "/kind", "value": "Deployment"], count: JSONPatch.maxOperations + 1))
        XCTAssertThrowsError(try JSONPatch.apply(ops, to: Self.live)) { error in
            let e = error as? APIError
            XCTAssertEqual(e?.code, 413)
            XCTAssertEqual(e?.message, "The allowed maximum operations in a JSON patch is 10000, got 10001")
        }
    }
}
