import Foundation
import Testing
import TugAPI
@testable import TugAPIServer

@Suite struct StrategyWorkloadTests {
    static let template: JSONValue = ["metadata": ["labels": ["app": "db"]], "spec": ["containers": [["name": "db", "image": "postgres:16"]]]]

    @Test func replicaSetDefaultsScaleAndTable() throws {
        let s = ReplicaSetStrategy(info: StrategyHarness.info("apps", "replicasets"))
        var (rs, errs) = try StrategyHarness.create(s, [
            "apiVersion": "apps/v1", "kind": "ReplicaSet", "metadata": ["name": "db"],
            "spec": ["selector": ["matchExpressions": [["key": "app", "operator": "In", "values": ["db"]]]], "template": Self.template],
        ])
        #expect(errs.isEmpty)
        #expect(rs.spec?.replicas == 1)
        #expect(rs.status == AppsV1.ReplicaSetStatus(replicas: 0))
        #expect(s.scale?.selector(rs) == "app in (db)")
        rs.status = AppsV1.ReplicaSetStatus(replicas: 1, readyReplicas: 1)
        #expect(StrategyHarness.cells(s, rs) == ["db", "1", "1", "1", "60m", "db", "postgres:16", "app in (db)"])
        #expect(s.selectableFields(rs) == ["status.replicas": "1"])
    }

    @Test func replicationControllerSelectorFromTemplate() throws {
        let s = ReplicationControllerStrategy(info: StrategyHarness.info("", "replicationcontrollers"))
        let (rc, errs) = try StrategyHarness.create(s, [
            "apiVersion": "v1", "kind": "ReplicationController", "metadata": ["name": "db"], "spec": ["template": Self.template],
        ])
        #expect(errs.isEmpty)
        #expect(rc.spec?.selector == ["app": "db"])
        #expect(rc.metadata.labels == ["app": "db"])
        #expect(s.scale?.selector(rc) == "app=db")
        #expect(StrategyHarness.cells(s, rc) == ["db", "1", "0", "0", "60m", "db", "postgres:16", "app=db"])
        var mismatched = rc
        mismatched.spec?.selector = ["app": "web"]
        #expect(s.validate(mismatched).map(\.field) == ["spec.template.metadata.labels"])
    }

    @Test func statefulSetDefaultsAndUpdateRules() throws {
        let s = StatefulSetStrategy(info: StrategyHarness.info("apps", "statefulsets"))
        let (sts, errs) = try StrategyHarness.create(s, [
            "apiVersion": "apps/v1", "kind": "StatefulSet", "metadata": ["name": "db"],
            "spec": ["selector": ["matchLabels": ["app": "db"]], "serviceName": "db", "template": Self.template.withMount("data"),
                     "volumeClaimTemplates": [["metadata": ["name": "data"],
                                               "spec": ["accessModes": ["ReadWriteOnce"], "resources": ["requests": ["storage": "1Gi"]]]]]],
        ])
        #expect(errs.isEmpty)
        let spec = try #require(sts.spec)
        #expect(spec.podManagementPolicy == "OrderedReady")
        #expect(spec.updateStrategy == AppsV1.StatefulSetUpdateStrategy(type: "RollingUpdate", rollingUpdate: AppsV1.RollingUpdateStatefulSetStrategy(partition: 0)))
        #expect(spec.persistentVolumeClaimRetentionPolicy == AppsV1.StatefulSetPersistentVolumeClaimRetentionPolicy(whenDeleted: "Retain", whenScaled: "Retain"))
        #expect(spec.revisionHistoryLimit == 10)
        #expect(spec.volumeClaimTemplates?[0].spec?.volumeMode == "Filesystem")
        #expect(spec.volumeClaimTemplates?[0].status?.phase == "Pending")
        #expect(spec.volumeClaimTemplates?[0].kind == "PersistentVolumeClaim")
        let (_, ok) = StrategyHarness.update(s, old: sts) { x in x.spec?.replicas = 3 }
        #expect(ok.isEmpty)
        let (_, bad) = StrategyHarness.update(s, old: sts) { x in x.spec?.serviceName = "other" }
        #expect(bad.map(\.field) == ["spec"])
        #expect(StrategyHarness.cells(s, sts) == ["db", "0/1", "60m", "db", "postgres:16"])
    }

    @Test func daemonSetDefaultsAndStrategyRules() throws {
        let s = DaemonSetStrategy(info: StrategyHarness.info("apps", "daemonsets"))
        let (ds, errs) = try StrategyHarness.create(s, [
            "apiVersion": "apps/v1", "kind": "DaemonSet", "metadata": ["name": "agent"],
            "spec": ["selector": ["matchLabels": ["app": "db"]], "template": Self.template],
        ])
        #expect(errs.isEmpty)
        #expect(ds.spec?.updateStrategy?.rollingUpdate == AppsV1.RollingUpdateDaemonSet(maxUnavailable: .int(1), maxSurge: .int(0)))
        #expect(ds.spec?.revisionHistoryLimit == 10)
        var both = ds
        both.spec?.updateStrategy?.rollingUpdate?.maxSurge = .int(1)
        #expect(s.validate(both).map(\.description) == ["spec.updateStrategy.rollingUpdate.maxSurge: Invalid value: 1: may not be set when maxUnavailable is non-zero"])
        #expect(StrategyHarness.cells(s, ds) == ["agent", "0", "0", "0", "0", "0", "<none>", "60m", "db", "postgres:16", "app=db"])
    }

    @Test func controllerRevisionTable() throws {
        let s = ControllerRevisionStrategy(info: StrategyHarness.info("apps", "controllerrevisions"))
        let (cr, errs) = try StrategyHarness.create(s, [
            "apiVersion": "apps/v1", "kind": "ControllerRevision", "revision": 2, "data": ["spec": [:]],
            "metadata": ["name": "web-5d8f", "ownerReferences": [["apiVersion": "apps/v1", "kind": "StatefulSet", "name": "web",
                                                                  "uid": "u", "controller": true]]],
        ])
        #expect(errs.isEmpty)
        #expect(StrategyHarness.cells(s, cr) == ["web-5d8f", "statefulset.apps/web", "2", "60m"])
        let (_, changed) = StrategyHarness.update(s, old: cr) { c in c.data = ["spec": ["x": 1]] }
        #expect(changed.map(\.field) == ["data"])
    }
}

extension JSONValue {
    /// A pod template whose first container mounts `volume` at /data.
    func withMount(_ volume: String) -> JSONValue {
        var t = self
        var spec = t["spec"]!
        var c = spec["containers"]!.arrayValue![0]
        c["volumeMounts"] = [["name": .string(volume), "mountPath": "/data"]]
        spec["containers"] = [c]
        t["spec"] = spec
        return t
    }
}
