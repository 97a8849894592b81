import XCTest
import TugAPI
@testable import TugAPIServer

/// Server-side apply: ownership, pruning of fields no longer applied, conflicts and force.
final class ApplyTests: XCTestCase {
    typealias F = ApplyFixtures
    let engine = F.engine

    func testFirstApplyCreatesTheObjectAndItsOwnership() throws {
        let out = try engine.apply(live: nil, applied: F.config(), manager: "kubectl", force: false, now: F.t0)
        XCTAssertEqual(F.withoutManagedFields(out), F.config())
        let expected: JSONValue = [[
            "manager": "kubectl", "operation": "Apply", "apiVersion": "apps/v1", "time": "2026-01-01T00:00:00Z",
            "fieldsType": "FieldsV1",
            "fieldsV1": [
                "f:metadata": ["f:labels": ["f:app": [:]]],
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
            ],
        ]]
        XCTAssertEqual(out["metadata"]?["managedFields"]?.text, expected.text)
    }

    func testReapplyIsANoOp() throws {
        let live = F.stored(try engine.apply(live: nil, applied: F.config(), manager: "kubectl", force: false, now: F.t0))
        let again = try engine.apply(live: live, applied: F.config(), manager: "kubectl", force: false, now: F.at(60))
        XCTAssertEqual(F.withoutManagedFields(again), F.withoutManagedFields(live))
        XCTAssertEqual(try F.records(again).count, 1)
        XCTAssertEqual(try F.records(again).first?.time, "2026-01-01T00:01:00Z")
    }

    func testReapplyWithoutAFieldRemovesIt() throws {
        let first = F.config(replicas: 2, labels: ["app": "web", "tier": "frontend"], containers: [
            ["name": "web", "image": "nginx:1.27"], ["name": "log-shipper", "image": "fluent/fluent-bit:3.0"],
        ])
        let live = F.stored(try engine.apply(live: nil, applied: first, manager: "kubectl", force: false, now: F.t0))
        let second = F.config(replicas: nil, labels: ["app": "web"], containers: [["name": "web", "image": "nginx:1.27"]])
        let out = try engine.apply(live: live, applied: second, manager: "kubectl", force: false, now: F.at(1))
        XCTAssertEqual(out["metadata"]?["labels"], ["app": "web"])
        XCTAssertNil(out["spec"]?["replicas"])
        XCTAssertEqual(out["spec"]?["template"]?["spec"]?["containers"], [["name": "web", "image": "nginx:1.27"]])
        // Server-set metadata is untouched by pruning.
        XCTAssertEqual(out["metadata"]?["uid"], live["metadata"]?["uid"])
        let owned = try XCTUnwrap(try F.fields(out, "kubectl"))
        XCTAssertFalse(owned.contains(F.replicasPath))
        XCTAssertFalse(owned.contains([.field("metadata"), .field("labels"), .field("tier")]))
    }

    func testPruningKeepsFieldsNobodyApplied() throws {
        var live = F.stored(try engine.apply(live: nil, applied: F.config(), manager: "kubectl", force: false, now: F.t0))
        // Defaults the server added after the apply belong to nobody.
        live = live.setting(["spec", "strategy"], ["type": "RollingUpdate"])
            .setting(["spec", "template", "spec", "restartPolicy"], "Always")
        let out = try engine.apply(live: live, applied: F.config(labels: ["app": "web", "new": "x"]), manager: "kubectl", force: false, now: F.at(1))
        XCTAssertEqual(out["spec"]?["strategy"], ["type": "RollingUpdate"])
        XCTAssertEqual(out["spec"]?["template"]?["spec"]?["restartPolicy"], "Always")
        XCTAssertEqual(out["metadata"]?["labels"], ["app": "web", "new": "x"])
    }

    func testSecondManagerConflicts() throws {
        let live = F.stored(try engine.apply(live: nil, applied: F.config(), manager: "kubectl", force: false, now: F.t0))
        let scale: JSONValue = ["apiVersion": "apps/v1", "kind": "Deployment", "metadata": ["name": "web"], "spec": ["replicas": 5]]
        XCTAssertThrowsError(try engine.apply(live: live, applied: scale, manager: "deploy-bot", force: false, now: F.at(1))) { error in
            guard let e = error as? APIError else { return XCTFail("\(error)") }
            XCTAssertEqual(e.code, 409)
            XCTAssertEqual(e.reason, "Conflict")
            XCTAssertEqual(e.message, "Apply failed with 1 conflict: conflict with \"kubectl\": .spec.replicas")
            XCTAssertEqual(e.details?.causes, [APIError.Cause(reason: "FieldManagerConflict", message: "conflict with \"kubectl\"", field: ".spec.replicas")])
        }
    }

    func testSameValueIsSharedNotAConflict() throws {
        let live = F.stored(try engine.apply(live: nil, applied: F.config(), manager: "kubectl", force: false, now: F.t0))
        let scale: JSONValue = ["apiVersion": "apps/v1", "kind": "Deployment", "metadata": ["name": "web"], "spec": ["replicas": 2]]
        let out = try engine.apply(live: live, applied: scale, manager: "deploy-bot", force: false, now: F.at(1))
        XCTAssertEqual(try F.fields(out, "kubectl")?.contains(F.replicasPath), true)
        XCTAssertEqual(try F.fields(out, "deploy-bot")?.contains(F.replicasPath), true)
        XCTAssertEqual(try F.records(out).map(\.manager), ["kubectl", "deploy-bot"])
    }

    func testForceMovesOwnership() throws {
        let live = F.stored(try engine.apply(live: nil, applied: F.config(), manager: "kubectl", force: false, now: F.t0))
        let scale: JSONValue = ["apiVersion": "apps/v1", "kind": "Deployment", "metadata": ["name": "web"], "spec": ["replicas": 5]]
        let out = F.stored(try engine.apply(live: live, applied: scale, manager: "deploy-bot", force: true, now: F.at(1)))
        XCTAssertEqual(out["spec"]?["replicas"], 5)
        XCTAssertEqual(try F.fields(out, "kubectl")?.contains(F.replicasPath), false)
        XCTAssertEqual(try F.fields(out, "deploy-bot")?.fieldsV1, ["f:spec": ["f:replicas": [:]]])
        // The first manager now conflicts in turn.
        XCTAssertThrowsError(try engine.apply(live: out, applied: F.config(), manager: "kubectl", force: false, now: F.at(2))) { error in
            XCTAssertEqual((error as? APIError)?.message, "Apply failed with 1 conflict: conflict with \"deploy-bot\": .spec.replicas")
        }
    }

    func testUpdateByAnotherManagerThenConflictingApply() throws {
        let live = F.stored(try engine.apply(live: nil, applied: F.config(), manager: "kubectl", force: false, now: F.t0))
        let edited = F.stored(engine.update(old: live, new: live.setting(["spec", "replicas"], 7), manager: "kubectl-edit", now: F.at(1)))
        let editor = try XCTUnwrap(try F.records(edited).first { $0.manager == "kubectl-edit" })
        XCTAssertEqual(editor.operation, "Update")
        XCTAssertEqual(editor.apiVersion, "apps/v1")
        XCTAssertEqual(editor.fields.fieldsV1, ["f:spec": ["f:replicas": [:]]])
        XCTAssertEqual(try F.fields(edited, "kubectl")?.contains(F.replicasPath), false)

        XCTAssertThrowsError(try engine.apply(live: edited, applied: F.config(), manager: "kubectl", force: false, now: F.at(2))) { error in
            guard let e = error as? APIError else { return XCTFail("\(error)") }
            XCTAssertEqual(e.code, 409)
            XCTAssertEqual(e.message, "Apply failed with 1 conflict: conflict with \"kubectl-edit\" using apps/v1: .spec.replicas")
            XCTAssertEqual(e.details?.causes.first?.field, ".spec.replicas")
            XCTAssertEqual(e.details?.causes.first?.message, "conflict with \"kubectl-edit\" using apps/v1")
        }
    }

    func testSeveralConflictsAreGroupedByManager() throws {
        var live = F.stored(try engine.apply(live: nil, applied: F.config(), manager: "a", force: false, now: F.t0))
        live = F.stored(engine.update(old: live, new: live.setting(["spec", "template", "spec", "containers"], [["name": "web", "image": "nginx:1.28", "ports": [["containerPort": 80]]]]),
                                      manager: "b", now: F.at(1)))
        let cfg = F.config(replicas: 3, containers: [["name": "web", "image": "nginx:1.29"]])
        XCTAssertThrowsError(try engine.apply(live: live, applied: cfg, manager: "c", force: false, now: F.at(2))) { error in
            guard let e = error as? APIError else { return XCTFail("\(error)") }
            XCTAssertEqual(e.message, """
                Apply failed with 2 conflicts: conflicts with "a":
                - .spec.replicas
                conflicts with "b" using apps/v1:
                - .spec.template.spec.containers[name="web"].image
                """)
            XCTAssertEqual(e.details?.causes.map(\.field), [".spec.replicas", ".spec.template.spec.containers[name=\"web\"].image"])
        }
    }

    func testItemsOwnedByOthersSurviveAReapply() throws {
        let live = F.stored(try engine.apply(live: nil, applied: F.config(), manager: "kubectl", force: false, now: F.t0))
        let injected = live.setting(["spec", "template", "spec", "containers"], [
            ["name": "web", "image": "nginx:1.27", "ports": [["containerPort": 80]]], ["name": "istio-proxy", "image": "proxyv2:1.22"],
        ])
        let withSidecar = F.stored(engine.update(old: live, new: injected, manager: "sidecar-injector", now: F.at(1)))
        let out = try engine.apply(live: withSidecar, applied: F.config(containers: [["name": "web", "image": "nginx:1.28", "ports": [["containerPort": 80]]]]),
                                   manager: "kubectl", force: false, now: F.at(2))
        XCTAssertEqual(out["spec"]?["template"]?["spec"]?["containers"], [
            ["name": "web", "image": "nginx:1.28", "ports": [["containerPort": 80]]], ["name": "istio-proxy", "image": "proxyv2:1.22"],
        ])
    }

    func testSetsMergeAcrossManagers() throws {
        let a = F.config(extraMetadata: ["finalizers": ["example.com/a"]])
        let live = F.stored(try engine.apply(live: nil, applied: a, manager: "a", force: false, now: F.t0))
        let b: JSONValue = ["apiVersion": "apps/v1", "kind": "Deployment", "metadata": ["name": "web", "finalizers": ["example.com/b"]]]
        let both = F.stored(try engine.apply(live: live, applied: b, manager: "b", force: false, now: F.at(1)))
        XCTAssertEqual(both["metadata"]?["finalizers"], ["example.com/a", "example.com/b"])
        XCTAssertEqual(try F.fields(both, "b")?.fieldsV1, ["f:metadata": ["f:finalizers": ["v:\"example.com/b\"": [:]]]])
        let out = try engine.apply(live: both, applied: F.config(), manager: "a", force: false, now: F.at(2))
        XCTAssertEqual(out["metadata"]?["finalizers"], ["example.com/b"])
    }

    func testStatusIsNeverOwnedThroughTheMainResource() throws {
        let cfg = F.config().setting(["status"], ["replicas": 9])
        let out = try engine.apply(live: nil, applied: cfg, manager: "kubectl", force: false, now: F.t0)
        let owned = try XCTUnwrap(try F.fields(out, "kubectl"))
        XCTAssertTrue(owned.child(.field("status")).isEmpty)
        XCTAssertFalse(owned.members.contains(.field("status")))
        let live = F.stored(out)
        let updated = engine.update(old: live, new: live.setting(["status", "replicas"], 1), manager: "controller", now: F.at(1))
        XCTAssertNil(try F.records(updated).first { $0.manager == "controller" })
    }

    func testAppliedConfigurationIsChecked() throws {
        let wrongKind = F.config().setting(["kind"], "StatefulSet")
        XCTAssertThrowsError(try engine.apply(live: nil, applied: wrongKind, manager: "kubectl", force: false)) { error in
            XCTAssertEqual((error as? APIError)?.code, 400)
            XCTAssertEqual((error as? APIError)?.message, "invalid object type: apps/v1, Kind=StatefulSet")
        }
        let withManaged = F.config().setting(["metadata", "managedFields"], [])
        XCTAssertThrowsError(try engine.apply(live: nil, applied: withManaged, manager: "kubectl", force: false)) { error in
            XCTAssertEqual((error as? APIError)?.message, "metadata.managedFields must be nil")
        }
        let duplicate = F.config(containers: [["name": "web"], ["name": "web"]])
        XCTAssertThrowsError(try engine.apply(live: nil, applied: duplicate, manager: "kubectl", force: false)) { error in
            XCTAssertEqual((error as? APIError)?.message, ".spec.template.spec.containers: duplicate entries for key [name=\"web\"]")
        }
    }
}
