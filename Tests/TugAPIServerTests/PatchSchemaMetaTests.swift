import XCTest
import TugAPI
@testable import TugAPIServer

/// The schema adapter: merge metadata found by walking the real field table from a kind.
final class PatchSchemaMetaTests: XCTestCase {
    func meta(_ message: String) throws -> SchemaPatchMeta {
        try XCTUnwrap(SchemaPatchMeta.forMessage(message), message)
    }

    func testWalksDeploymentToContainers() throws {
        let d = try meta("k8s.io.api.apps.v1.Deployment")
        let podSpec = d.child("spec")?.child("template")?.child("spec")
        let containers = try XCTUnwrap(podSpec?.child("containers"))
        XCTAssertEqual(containers.mergeKey, "name")
        XCTAssertEqual(containers.strategy, .merge)
        XCTAssertEqual(containers.listType, .map(keys: ["name"]))
        let ports = try XCTUnwrap(containers.listElement()?.child("ports"))
        XCTAssertEqual(ports.mergeKey, "containerPort")
        XCTAssertEqual(ports.listType, .map(keys: ["containerPort", "protocol"]))
        XCTAssertEqual(ports.keyDefaults["protocol"], "TCP")
        XCTAssertEqual(podSpec?.child("volumes")?.strategy, [.merge, .retainKeys])
        XCTAssertEqual(podSpec?.child("tolerations")?.listType, .atomic)
        XCTAssertEqual(podSpec?.child("tolerations")?.strategy, [])
        XCTAssertEqual(podSpec?.child("nodeSelector")?.isAtomic, true)
        XCTAssertEqual(d.child("spec")?.child("selector")?.isAtomic, true)
        XCTAssertEqual(d.child("spec")?.child("strategy")?.strategy, .retainKeys)
    }

    func testObjectMeta() throws {
        let m = try XCTUnwrap(try meta("k8s.io.api.core.v1.Pod").child("metadata"))
        XCTAssertEqual(m.child("finalizers")?.strategy, .merge)
        XCTAssertEqual(m.child("finalizers")?.listType, .set)
        XCTAssertEqual(m.child("ownerReferences")?.mergeKey, "uid")
        XCTAssertEqual(m.child("ownerReferences")?.listElement()?.isAtomic, true)
        XCTAssertEqual(m.child("labels")?.hasNamedFields, false)
        XCTAssertNotNil(m.child("labels")?.child("anything"))
        XCTAssertTrue(m.isNamedField("labels"))
        XCTAssertFalse(m.isNamedField("nonsense"))
    }

    func testInlineFieldsAndOpaqueData() throws {
        let pod = try meta("k8s.io.api.core.v1.Pod")
        // EphemeralContainer inlines EphemeralContainerCommon.
        let env = pod.child("spec")?.child("ephemeralContainers")?.listElement()?.child("env")
        XCTAssertEqual(env?.mergeKey, "name")
        // Volume inlines VolumeSource.
        XCTAssertNotNil(pod.child("spec")?.child("volumes")?.listElement()?.child("configMap"))
        // RawExtension content has no metadata (merge patch semantics).
        let rev = try meta("k8s.io.api.apps.v1.ControllerRevision")
        XCTAssertNil(rev.child("data"))
        XCTAssertNil(SchemaPatchMeta.forMessage("k8s.io.api.example.v1.Nothing"))
    }

    func testTableCoversTheKinds() {
        XCTAssertEqual(PatchMergeTable.info(message: "k8s.io.api.core.v1.ServiceSpec", field: "ports")?.mergeKey, "port")
        XCTAssertEqual(PatchMergeTable.info(message: "k8s.io.api.core.v1.PodSpec", field: "hostAliases")?.mergeKey, "ip")
        XCTAssertEqual(PatchMergeTable.info(message: "k8s.io.api.core.v1.PodSpec", field: "imagePullSecrets")?.mergeKey, "name")
        XCTAssertEqual(PatchMergeTable.info(message: "k8s.io.api.policy.v1.PodDisruptionBudgetSpec", field: "selector")?.strategy, .replace)
        XCTAssertEqual(PatchMergeTable.info(message: "k8s.io.api.discovery.v1.Endpoint", field: "addresses")?.listType, .set)
        XCTAssertTrue(PatchMergeTable.isAtomic(message: "k8s.io.api.rbac.v1.RoleRef"))
        XCTAssertTrue(PatchMergeTable.isAtomic(message: "k8s.io.apimachinery.pkg.apis.meta.v1.LabelSelector"))
    }

    func testSchemaDrivenStrategicPatches() throws {
        let svc = try meta("k8s.io.api.core.v1.Service")
        let svcOut = try StrategicMergePatch.apply(
            ["spec": ["ports": [["port": 443, "targetPort": 8443, "name": "https"]]]],
            to: ["spec": ["ports": [["port": 80, "targetPort": 8080, "name": "http"]], "selector": ["app": "web"]]], meta: svc)
        XCTAssertEqual(svcOut, ["spec": ["ports": [["port": 443, "targetPort": 8443, "name": "https"], ["port": 80, "targetPort": 8080, "name": "http"]],
                                         "selector": ["app": "web"]]])

        let pdb = try meta("k8s.io.api.policy.v1.PodDisruptionBudget")
        let pdbOut = try StrategicMergePatch.apply(["spec": ["selector": ["matchLabels": ["app": "c"]]]],
                                                   to: ["spec": ["minAvailable": 1, "selector": ["matchLabels": ["app": "a", "tier": "b"]]]], meta: pdb)
        XCTAssertEqual(pdbOut, ["spec": ["minAvailable": 1, "selector": ["matchLabels": ["app": "c"]]]])

        let pod = try meta("k8s.io.api.core.v1.Pod")
        let podOut = try StrategicMergePatch.apply(
            ["spec": ["ephemeralContainers": [["name": "dbg", "env": [["name": "B", "value": "2"]]]]]],
            to: ["spec": ["ephemeralContainers": [["name": "dbg", "image": "busybox", "env": [["name": "A", "value": "1"]]]]]], meta: pod)
        XCTAssertEqual(podOut, ["spec": ["ephemeralContainers": [["name": "dbg", "image": "busybox",
                                                                   "env": [["name": "B", "value": "2"], ["name": "A", "value": "1"]]]]]])

        let cm = try meta("k8s.io.api.core.v1.ConfigMap")
        XCTAssertEqual(try StrategicMergePatch.apply(["data": ["b": "2"]], to: ["data": ["a": "1"]], meta: cm), ["data": ["a": "1", "b": "2"]])
    }

    func testPatchApplierDispatches() throws {
        let message = "k8s.io.api.apps.v1.Deployment"
        let live = PatchTestMeta.liveDeployment
        let scaled = try PatchApplier.apply(PatchRequest(kind: .merge, body: ["spec": ["replicas": 4]]), to: live, message: message)
        XCTAssertEqual(scaled["spec"]?["replicas"], 4)
        let jp = try PatchApplier.apply(PatchRequest(kind: .json, body: [["op": "replace", "path": "/spec/replicas", "value": 6]]), to: live, message: message)
        XCTAssertEqual(jp["spec"]?["replicas"], 6)
        let smp = try PatchApplier.apply(PatchRequest(kind: .strategic, body: ["spec": ["template": ["spec": ["containers": [["name": "web", "image": "nginx:1.27"]]]]]]),
                                         to: live, message: message)
        XCTAssertEqual(smp["spec"]?["template"]?["spec"]?["containers"]?.arrayValue?.count, 2)
        XCTAssertEqual(smp["spec"]?["template"]?["spec"]?["containers"]?.arrayValue?.first?["image"], "nginx:1.27")
    }
}
