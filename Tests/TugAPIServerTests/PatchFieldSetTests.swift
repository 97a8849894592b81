import XCTest
import TugAPI
@testable import TugAPIServer

/// Field sets and their `FieldsV1` form, byte for byte as Kubernetes writes them.
final class PatchFieldSetTests: XCTestCase {
    static let deploymentMeta = SchemaPatchMeta.forMessage("k8s.io.api.apps.v1.Deployment")

    static let applied: JSONValue = [
        "apiVersion": "apps/v1", "kind": "Deployment",
        "metadata": ["name": "web", "labels": ["app": "web"]],
        "spec": [
            "replicas": 2, "selector": ["matchLabels": ["app": "web"]],
            "template": ["metadata": ["labels": ["app": "web"]],
                         "spec": ["containers": [["name": "web", "image": "nginx:1.27", "ports": [["containerPort": 80]]]]]],
        ],
    ]

    static let appliedFields: JSONValue = [
        "f:apiVersion": [:], "f:kind": [:],
        "f:metadata": ["f:labels": ["f:app": [:]], "f:name": [:]],
        "f:spec": [
            "f:replicas": [:], "f:selector": [:],
            "f:template": [
                "f:metadata": ["f:labels": ["f:app": [:]]],
                "f:spec": ["f:containers": ["k:{\"name\":\"web\"}": [
                    ".": [:], "f:image": [:], "f:name": [:],
                    "f:ports": ["k:{\"containerPort\":80,\"protocol\":\"TCP\"}": [".": [:], "f:containerPort": [:]]],
                ]]],
            ],
        ],
    ]

    func testFieldSetOfAnAppliedDeployment() throws {
        let set = try StructuredFieldSet.of(Self.applied, Self.deploymentMeta)
        XCTAssertEqual(set.fieldsV1.text, Self.appliedFields.text)
    }

    func testHandBuiltMetaGivesTheSameSet() throws {
        let set = try StructuredFieldSet.of(Self.applied, PatchTestMeta.deployment)
        XCTAssertEqual(set.fieldsV1.text, Self.appliedFields.text)
    }

    func testFieldsV1RoundTrip() throws {
        let set = try FieldSet(fieldsV1: Self.appliedFields)
        XCTAssertEqual(set.fieldsV1, Self.appliedFields)
        XCTAssertTrue(set.contains([.field("spec"), .field("template"), .field("spec"), .field("containers"), .makeKey([("name", "web")])]))
        XCTAssertFalse(set.contains([.field("spec"), .field("template")]))
    }

    func testSetsListsAndUnknownElementTypes() throws {
        let fields: JSONValue = ["f:metadata": ["f:finalizers": ["v:\"example.com/a\"": [:], ".": [:]]], "x:future": ["f:a": [:]]]
        let set = try FieldSet(fieldsV1: fields)
        XCTAssertEqual(set.paths.map(\.pathString), [".metadata.finalizers", ".metadata.finalizers[=\"example.com/a\"]"])
        XCTAssertThrowsError(try FieldSet(fieldsV1: ["k:notjson": [:]]))
        XCTAssertThrowsError(try FieldSet(fieldsV1: ["f:a": "leaf"]))
    }

    func testPathStrings() {
        let image: FieldPath = [.field("spec"), .field("template"), .field("spec"), .field("containers"), .makeKey([("name", "web")]), .field("image")]
        XCTAssertEqual(image.pathString, ".spec.template.spec.containers[name=\"web\"].image")
        let port: FieldPath = [.field("ports"), .makeKey([("protocol", "TCP"), ("containerPort", 80)])]
        XCTAssertEqual(port.pathString, ".ports[containerPort=80,protocol=\"TCP\"]")
        XCTAssertEqual(port.last?.fieldsV1Key, "k:{\"containerPort\":80,\"protocol\":\"TCP\"}")
        XCTAssertEqual(PathElement.value("a<b").fieldsV1Key, "v:\"a\\u003cb\"")
        XCTAssertEqual(PathElement.index(3).description, "[3]")
    }

    func testSetAlgebra() {
        let a = FieldSet(paths: [[.field("spec"), .field("replicas")], [.field("spec"), .field("paused")], [.field("metadata")]])
        let b = FieldSet(paths: [[.field("spec"), .field("replicas")], [.field("status")]])
        XCTAssertEqual(a.intersection(b).paths.map(\.pathString), [".spec.replicas"])
        XCTAssertEqual(a.subtracting(b).paths.map(\.pathString), [".metadata", ".spec.paused"])
        XCTAssertEqual(a.union(b).paths.count, 4)
        XCTAssertTrue(a.subtracting(a).isEmpty)
        XCTAssertEqual(a.removingPrefixes([[.field("spec")]]).paths.map(\.pathString), [".metadata"])
    }

    func testDuplicateItemsAreOneLeaf() throws {
        let pod: JSONValue = ["spec": ["containers": [["name": "a", "image": "x"], ["name": "a", "image": "y"]]]]
        let set = try StructuredFieldSet.of(pod, PatchTestMeta.pod)
        XCTAssertEqual(set.fieldsV1, ["f:spec": ["f:containers": ["k:{\"name\":\"a\"}": [:]]]])
    }

    func testListItemErrors() {
        let missingKey: JSONValue = ["spec": ["containers": [["image": "x"]]]]
        // A name defaults to "", as in the published schema.
        XCTAssertNoThrow(try StructuredFieldSet.of(missingKey, PatchTestMeta.pod))
        let ports: JSONValue = ["spec": ["containers": [["name": "a", "ports": [["name": "http"]]]]]]
        XCTAssertNoThrow(try StructuredFieldSet.of(ports, PatchTestMeta.pod))
        let badSet: JSONValue = ["metadata": ["finalizers": [["a": 1]]]]
        XCTAssertThrowsError(try StructuredFieldSet.of(badSet, PatchTestMeta.pod)) { error in
            XCTAssertEqual((error as? APIError)?.message, ".metadata.finalizers: element 0: associative list without keys has an element that's a map type")
        }
    }
}
