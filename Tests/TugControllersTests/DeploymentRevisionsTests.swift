import Foundation
import Testing
import TugAPI
@testable import TugControllers

@Suite struct DeploymentRevisionsTests {
    func template(_ image: String, labels: [String: String] = ["app": "web"]) -> CoreV1.PodTemplateSpec {
        var t = CoreV1.PodTemplateSpec()
        t.metadata.labels = labels
        var c = CoreV1.Container()
        c.name = "web"
        c.image = image
        t.spec = CoreV1.PodSpec(containers: [c])
        return t
    }

    @Test func templateHashIsStableAndSensitive() {
        let a = DeploymentRevisions.templateHash(template("nginx:1.25"))
        #expect(a == DeploymentRevisions.templateHash(template("nginx:1.25")))
        #expect(a != DeploymentRevisions.templateHash(template("nginx:1.27")))
        #expect(a != DeploymentRevisions.templateHash(template("nginx:1.25"), collisionCount: 1))
        #expect(a.allSatisfy { "bcdfghjklmnpqrstvwxz2456789".contains($0) })
    }

    @Test func templatesCompareWithoutTheHashLabel() {
        let plain = template("nginx")
        let hashed = template("nginx", labels: ["app": "web", "pod-template-hash": "abc"])
        #expect(DeploymentRevisions.sameTemplate(plain, hashed))
        #expect(!DeploymentRevisions.sameTemplate(plain, template("httpd")))
    }

    @Test func surgeAndUnavailableFollowKubernetesRounding() {
        var d = AppsV1.Deployment(metadata: MetaV1.ObjectMeta())
        d.spec = AppsV1.DeploymentSpec(replicas: 10)
        #expect(DeploymentController.maxSurge(d) == 3)        // 25% of 10, rounded up
        #expect(DeploymentController.maxUnavailable(d) == 2)  // 25% of 10, rounded down
        d.spec?.strategy = AppsV1.DeploymentStrategy(type: "RollingUpdate",
                                                     rollingUpdate: AppsV1.RollingUpdateDeployment(maxUnavailable: 0, maxSurge: 0))
        #expect(DeploymentController.maxUnavailable(d) == 1, "both zero would never progress")
        d.spec?.replicas = 1
        d.spec?.strategy?.rollingUpdate = AppsV1.RollingUpdateDeployment(maxUnavailable: "25%", maxSurge: "25%")
        #expect(DeploymentController.maxSurge(d) == 1 && DeploymentController.maxUnavailable(d) == 0)
    }
}

/// Kubernetes' proportional scaling, on hand-made sets.
@Suite struct ProportionalScalingTests {
    func deployment(replicas: Int, maxSurge: Int = 3) -> AppsV1.Deployment {
        var d = AppsV1.Deployment(metadata: MetaV1.ObjectMeta(name: "d"))
        d.spec = AppsV1.DeploymentSpec(replicas: replicas)
        d.spec?.strategy = AppsV1.DeploymentStrategy(type: "RollingUpdate", rollingUpdate: AppsV1.RollingUpdateDeployment(maxSurge: .int(maxSurge)))
        return d
    }

    func set(_ name: String, replicas: Int, desired: Int, max: Int, created: TimeInterval) -> AppsV1.ReplicaSet {
        var rs = AppsV1.ReplicaSet(metadata: MetaV1.ObjectMeta(name: name, uid: name))
        rs.metadata.creationTimestamp = Time(Date(timeIntervalSince1970: created))
        rs.metadata.annotations = [DeploymentRevisions.desiredReplicasAnnotation: String(desired),
                                   DeploymentRevisions.maxReplicasAnnotation: String(max)]
        rs.spec = AppsV1.ReplicaSetSpec(replicas: replicas)
        return rs
    }

    /// Kubernetes' documented example: 10 replicas, maxSurge 3, a rollout with 8 old and 5 new
    /// pods; scaling to 15 adds 5 (18 allowed): 3 to the old set, 2 to the new.
    @Test func aResizeMidRolloutIsSharedInProportion() {
        let d = deployment(replicas: 15)
        let old = set("old", replicas: 8, desired: 10, max: 13, created: 1)
        let new = set("new", replicas: 5, desired: 10, max: 13, created: 2)
        #expect(ProportionalScaling.isScalingEvent(d, sets: [old, new]))
        let t = ProportionalScaling.targets(d, newRS: new, old: [old], maxSurge: 3)
        #expect(t == ["old": 11, "new": 7])
        #expect(t.values.reduce(0, +) == 18)
    }

    @Test func oneActiveSetTakesTheWholeSizeAndZeroEmptiesAll() {
        let only = set("only", replicas: 4, desired: 4, max: 5, created: 1)
        var idle = set("idle", replicas: 0, desired: 4, max: 5, created: 0)
        idle.spec?.replicas = 0
        #expect(ProportionalScaling.targets(deployment(replicas: 9), newRS: only, old: [idle], maxSurge: 3) == ["only": 9])
        let a = set("a", replicas: 3, desired: 6, max: 8, created: 1), b = set("b", replicas: 4, desired: 6, max: 8, created: 2)
        #expect(ProportionalScaling.targets(deployment(replicas: 0), newRS: b, old: [a], maxSurge: 3) == ["a": 0, "b": 0])
        #expect(!ProportionalScaling.isScalingEvent(deployment(replicas: 6), sets: [a, b]))
    }
}
