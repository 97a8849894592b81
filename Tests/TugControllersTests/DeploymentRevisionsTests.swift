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
