import XCTest
import TugAPI
@testable import TugAPIServer

/// The typed facade the resource store calls.
final class ApplyFieldManagerTests: XCTestCase {
    typealias F = ApplyFixtures

    func testCreateThenApplyOnTypedDeployments() throws {
        let fm = FieldManager()
        var d = try F.config().decode(as: AppsV1.Deployment.self)
        fm.recordCreate(&d, manager: "kubectl-create", now: F.t0)
        let entry = try XCTUnwrap(d.metadata.managedFields?.first)
        XCTAssertEqual(entry.manager, "kubectl-create")
        XCTAssertEqual(entry.operation, "Update")
        XCTAssertEqual(entry.fieldsType, "FieldsV1")
        XCTAssertEqual(entry.fieldsV1?["f:spec"]?["f:replicas"], [:])

        d.metadata.uid = "6f1c7f0e-2b1a-4c55-8d3e-9a0b1c2d3e4f"
        XCTAssertThrowsError(try fm.apply(live: d, applied: F.config(replicas: 5), manager: "ci", force: false,
                                          message: "k8s.io.api.apps.v1.Deployment", as: AppsV1.Deployment.self, now: F.at(1))) { error in
            XCTAssertEqual((error as? APIError)?.code, 409)
        }
        let forced = try fm.apply(live: d, applied: F.config(replicas: 5), manager: "ci", force: true,
                                  message: "k8s.io.api.apps.v1.Deployment", as: AppsV1.Deployment.self, now: F.at(1))
        XCTAssertEqual(forced.spec?.replicas, 5)
        XCTAssertEqual(forced.metadata.managedFields?.map(\.manager), ["ci", "kubectl-create"])

        var updated = forced
        updated.spec?.paused = true
        fm.recordUpdate(&updated, old: forced, manager: "kubectl-patch", now: F.at(2))
        XCTAssertEqual(updated.metadata.managedFields?.last?.manager, "kubectl-patch")
        XCTAssertEqual(updated.metadata.managedFields?.last?.fieldsV1, ["f:spec": ["f:paused": [:]]])
    }
}
