import XCTest
import TugAPI
@testable import TugAPIServer

/// Ownership recorded by ordinary writes, and how later applies see it.
final class ApplyTrackingTests: XCTestCase {
    typealias F = ApplyFixtures
    let engine = F.engine

    func testCreateRecordsTheCreatorsFields() throws {
        let obj = F.config().setting(["metadata", "namespace"], "default").setting(["status"], ["replicas": 0])
        let created = engine.update(old: nil, new: obj, manager: "kubectl-create", now: F.t0)
        let records = try F.records(created)
        XCTAssertEqual(records.count, 1)
        XCTAssertEqual(records[0].manager, "kubectl-create")
        XCTAssertEqual(records[0].operation, "Update")
        XCTAssertEqual(records[0].time, "2026-01-01T00:00:00Z")
        let fields = records[0].fields
        XCTAssertTrue(fields.contains(F.replicasPath))
        XCTAssertTrue(fields.contains([.field("metadata"), .field("labels"), .field("app")]))
        XCTAssertFalse(fields.contains([.field("metadata"), .field("name")]))
        XCTAssertFalse(fields.contains([.field("metadata"), .field("namespace")]))
        XCTAssertFalse(fields.contains([.field("apiVersion")]))
        XCTAssertTrue(fields.child(.field("status")).isEmpty)
        XCTAssertEqual(F.withoutManagedFields(created), obj)
    }

    func testUntrackedObjectsStayUntracked() throws {
        let live = F.stored(F.config())
        let out = engine.update(old: live, new: live.setting(["spec", "replicas"], 3), manager: "kubectl-edit", now: F.t0)
        XCTAssertNil(out["metadata"]?["managedFields"])
    }

    func testEmptyManagedFieldsResetTracking() throws {
        let live = F.stored(engine.update(old: nil, new: F.config(), manager: "kubectl-create", now: F.t0))
        XCTAssertEqual(try F.records(live).count, 1)
        let reset = live.setting(["metadata", "managedFields"], [])
        XCTAssertNil(engine.update(old: live, new: reset, manager: "kubectl-edit", now: F.at(1))["metadata"]?["managedFields"])
    }

    func testClientSuppliedManagedFieldsAreKept() throws {
        let live = F.stored(engine.update(old: nil, new: F.config(), manager: "kubectl-create", now: F.t0))
        // A PUT that sends the object back unchanged keeps the records and adds nothing.
        let same = engine.update(old: live, new: live, manager: "kubectl-replace", now: F.at(1))
        XCTAssertEqual(try F.records(same).map(\.manager), ["kubectl-create"])
    }

    func testUpdateTakesOverChangedFieldsAndDropsRemovedOnes() throws {
        let live = F.stored(try engine.apply(live: nil, applied: F.config(labels: ["app": "web", "tier": "fe"]), manager: "kubectl", force: false, now: F.t0))
        var changed = live.setting(["spec", "replicas"], 4)
        changed = changed.setting(["metadata", "labels"], ["app": "web"])
        let out = engine.update(old: live, new: changed, manager: "kubectl-edit", now: F.at(1))
        let applier = try XCTUnwrap(try F.fields(out, "kubectl"))
        XCTAssertFalse(applier.contains(F.replicasPath))
        XCTAssertFalse(applier.contains([.field("metadata"), .field("labels"), .field("tier")]))
        XCTAssertEqual(try F.fields(out, "kubectl-edit", "Update")?.fieldsV1, ["f:spec": ["f:replicas": [:]]])
        XCTAssertEqual(try F.records(out).map(\.operation), ["Apply", "Update"])
    }

    func testLegacyObjectsGetABeforeFirstApplyOwner() throws {
        let legacy = F.stored(F.config(replicas: 3))
        XCTAssertThrowsError(try engine.apply(live: legacy, applied: F.config(replicas: 2), manager: "ci", force: false, now: F.t0)) { error in
            XCTAssertEqual((error as? APIError)?.message, "Apply failed with 1 conflict: conflict with \"before-first-apply\" using apps/v1: .spec.replicas")
        }
        let out = try engine.apply(live: legacy, applied: F.config(replicas: 3), manager: "ci", force: false, now: F.t0)
        XCTAssertEqual(try F.records(out).map(\.manager), ["ci", "before-first-apply"])
    }

    func testKubectlTakesOverFromClientSideApply() throws {
        // `kubectl apply` (client side) created the object and left its annotation.
        let lastApplied = String(decoding: F.config().serialized(), as: UTF8.self)
        let created = F.config(extraMetadata: ["annotations": [ManagedFieldsEngine.lastAppliedAnnotation: .string(lastApplied)]])
        let live = F.stored(engine.update(old: nil, new: created, manager: "kubectl-client-side-apply", now: F.t0))

        // The live value still matches the annotation, so kubectl may take the field over.
        let next = F.config(replicas: 3)
        let out = try engine.apply(live: live, applied: next, manager: "kubectl", force: false, now: F.at(1))
        XCTAssertEqual(out["spec"]?["replicas"], 3)
        XCTAssertEqual(try F.fields(out, "kubectl")?.contains(F.replicasPath), true)
        let annotation = try XCTUnwrap(out["metadata"]?["annotations"]?[ManagedFieldsEngine.lastAppliedAnnotation]?.stringValue)
        XCTAssertTrue(annotation.hasSuffix("\n"))
        XCTAssertEqual(try JSONValue(parsing: Data(annotation.utf8)), next)

        // Another manager gets no such pass.
        XCTAssertThrowsError(try engine.apply(live: live, applied: next, manager: "other", force: false, now: F.at(1))) { error in
            XCTAssertEqual((error as? APIError)?.message, "Apply failed with 1 conflict: conflict with \"kubectl-client-side-apply\" using apps/v1: .spec.replicas")
        }
    }

    func testKubectlStillConflictsWhenTheFieldDriftedFromTheAnnotation() throws {
        let lastApplied = String(decoding: F.config().serialized(), as: UTF8.self)
        let created = F.config(extraMetadata: ["annotations": [ManagedFieldsEngine.lastAppliedAnnotation: .string(lastApplied)]])
        var live = F.stored(engine.update(old: nil, new: created, manager: "kubectl-client-side-apply", now: F.t0))
        live = F.stored(engine.update(old: live, new: live.setting(["spec", "replicas"], 4), manager: "kube-controller-manager", now: F.at(1)))
        XCTAssertThrowsError(try engine.apply(live: live, applied: F.config(replicas: 3), manager: "kubectl", force: false, now: F.at(2))) { error in
            XCTAssertEqual((error as? APIError)?.message, "Apply failed with 1 conflict: conflict with \"kube-controller-manager\" using apps/v1: .spec.replicas")
        }
    }

    func testUpdateManagersAreCappedAtTen() throws {
        var live = F.stored(engine.update(old: nil, new: F.config(), manager: "creator", now: F.t0))
        for i in 1...12 {
            let next = live.setting(["metadata", "labels", "l\(i)"], "x")
            live = F.stored(engine.update(old: live, new: next, manager: "writer-\(i)", now: F.at(i)))
        }
        let records = try F.records(live)
        XCTAssertEqual(records.filter { $0.operation == "Update" }.count, 10)
        let ancient = try XCTUnwrap(records.first { $0.manager == "ancient-changes" })
        // The oldest writers' fields moved into the bucket.
        XCTAssertTrue(ancient.fields.contains([.field("metadata"), .field("labels"), .field("l1")]))
        XCTAssertTrue(ancient.fields.contains(F.replicasPath))
        XCTAssertTrue(records.contains { $0.manager == "writer-12" })
    }

    func testRecordsRoundTripThroughJSON() throws {
        let r = ManagedFieldsRecord(manager: "kubelet", operation: "Update", apiVersion: "v1", subresource: "status",
                                    time: "2026-01-01T00:00:00Z", fields: FieldSet(paths: [[.field("status"), .field("phase")]]))
        XCTAssertEqual(try ManagedFieldsRecord(json: r.json), r)
        XCTAssertEqual(r.id.displayName, "\"kubelet\" with subresource \"status\" using v1")
        XCTAssertThrowsError(try ManagedFieldsRecord(json: ["manager": "x", "operation": "Patch", "apiVersion": "v1", "fieldsType": "FieldsV1"]))
        XCTAssertThrowsError(try ManagedFieldsRecord(json: ["manager": "x", "operation": "Apply", "apiVersion": "v1", "fieldsType": "FieldsV2"]))
    }
}
