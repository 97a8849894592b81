import Foundation
import Testing
import TugAPI
@testable import TugAPIServer

@Suite struct StrategyDeploymentTests {
    let strategy = DeploymentStrategy(info: StrategyHarness.info("apps", "deployments"))

    func deployment(selector: JSONValue? = ["matchLabels": ["app": "web"]], labels: JSONValue = ["app": "web"],
                    extra: [String: JSONValue] = [:]) -> JSONValue {
        var spec: [String: JSONValue] = [
            "template": ["metadata": ["labels": labels], "spec": ["containers": [["name": "web", "image": "nginx:1.27"]]]],
        ]
        if let selector { spec["selector"] = selector }
        for (k, v) in extra { spec[k] = v }
        return ["apiVersion": "apps/v1", "kind": "Deployment", "metadata": ["name": "web"], "spec": .object(spec)]
    }

    @Test func defaults() throws {
        let (d, errs) = try StrategyHarness.create(strategy, deployment())
        #expect(errs.isEmpty)
        let spec = try #require(d.spec)
        #expect(spec.replicas == 1)
        #expect(spec.strategy?.type == "RollingUpdate")
        #expect(spec.strategy?.rollingUpdate?.maxSurge == .string("25%"))
        #expect(spec.strategy?.rollingUpdate?.maxUnavailable == .string("25%"))
        #expect(spec.revisionHistoryLimit == 10)
        #expect(spec.progressDeadlineSeconds == 600)
        #expect(spec.template?.spec?.restartPolicy == "Always")
        #expect(spec.template?.spec?.containers?[0].imagePullPolicy == "IfNotPresent")
        // Templates are not pods: no service links, service account or tolerations.
        #expect(spec.template?.spec?.enableServiceLinks == nil)
        #expect(spec.template?.spec?.serviceAccountName == nil)
        #expect(d.status == AppsV1.DeploymentStatus())
        #expect(strategy.tracksGeneration)
    }

    @Test func selectorMustMatchTemplate() throws {
        let (_, errs) = try StrategyHarness.create(strategy, deployment(labels: ["app": "api"]))
        #expect(errs.map(\.description) == [
            "spec.template.metadata.labels: Invalid value: map[string]string{\"app\":\"api\"}: `selector` does not match template `labels`",
        ])
        let (_, missing) = try StrategyHarness.create(strategy, deployment(selector: nil))
        #expect(missing.map(\.field) == ["spec.selector", "spec.template.metadata.labels"])
        #expect(missing.first?.type == .required)
        let (_, empty) = try StrategyHarness.create(strategy, deployment(selector: [:]))
        #expect(empty.map(\.detail) == ["empty selector is invalid for deployment"])
    }

    @Test func invalidSpecFields() throws {
        let (_, errs) = try StrategyHarness.create(strategy, deployment(extra: [
            "replicas": -1,
            "strategy": ["type": "RollingUpdate", "rollingUpdate": ["maxSurge": 0, "maxUnavailable": 0]],
            "minReadySeconds": 700,
        ]))
        #expect(Set(errs.map(\.field)) == ["spec.replicas", "spec.strategy.rollingUpdate.maxUnavailable", "spec.progressDeadlineSeconds"])
        #expect(errs.first { $0.field == "spec.replicas" }?.description == "spec.replicas: Invalid value: -1: must be greater than or equal to 0")
        let (_, restart) = try StrategyHarness.create(strategy, deployment(extra: [:]).replacingRestartPolicy("Never"))
        #expect(restart.map(\.description) == ["spec.template.spec.restartPolicy: Unsupported value: \"Never\": supported values: \"Always\""])
    }

    @Test func selectorIsImmutable() throws {
        let (old, _) = try StrategyHarness.create(strategy, deployment())
        let (scaled, ok) = StrategyHarness.update(strategy, old: old) { d in d.spec?.replicas = 5 }
        #expect(ok.isEmpty)
        #expect(scaled.spec?.replicas == 5)
        let (_, errs) = StrategyHarness.update(strategy, old: old) { d in
            d.spec?.selector = MetaV1.LabelSelector(matchLabels: ["app": "web", "v": "2"])
            d.spec?.template?.metadata.labels = ["app": "web", "v": "2"]
        }
        #expect(errs.map(\.field) == ["spec.selector"])
        #expect(errs.first?.detail == "field is immutable")
    }

    @Test func statusIsKeptOnUpdateAndTakenFromStatusUpdates() throws {
        var (old, _) = try StrategyHarness.create(strategy, deployment())
        old.status = AppsV1.DeploymentStatus(replicas: 1, readyReplicas: 1)
        let (new, _) = StrategyHarness.update(strategy, old: old) { d in d.status = nil }
        #expect(new.status == old.status)
        var sent = old
        sent.spec?.replicas = 9
        sent.status = AppsV1.DeploymentStatus(replicas: 2)
        let merged = strategy.prepareForStatusUpdate(sent, old: old)
        #expect(merged.spec?.replicas == 1)
        #expect(merged.status?.replicas == 2)
        var bad = old
        bad.status = AppsV1.DeploymentStatus(replicas: 1, readyReplicas: 3)
        #expect(strategy.validateStatusUpdate(bad, old: old).map(\.field) == ["status.readyReplicas"])
    }

    @Test func scaleAccess() throws {
        var (d, _) = try StrategyHarness.create(strategy, deployment())
        let scale = try #require(strategy.scale)
        #expect(scale.specReplicas(d) == 1)
        scale.setSpecReplicas(&d, 4)
        #expect(d.spec?.replicas == 4)
        #expect(scale.selector(d) == "app=web")
    }

    @Test func tableCells() throws {
        var (d, _) = try StrategyHarness.create(strategy, deployment(extra: ["replicas": 3]))
        d.status = AppsV1.DeploymentStatus(replicas: 3, updatedReplicas: 3, readyReplicas: 2, availableReplicas: 2)
        #expect(StrategyHarness.cells(strategy, d) == ["web", "2/3", "3", "2", "60m", "web", "nginx:1.27", "app=web"])
        #expect(strategy.tableColumns.map(\.name) == ["Name", "Ready", "Up-to-date", "Available", "Age", "Containers", "Images", "Selector"])
        #expect(strategy.tableColumns.filter { $0.priority == 1 }.count == 3)
    }
}

extension JSONValue {
    /// The same Deployment with its template's restartPolicy set.
    func replacingRestartPolicy(_ policy: String) -> JSONValue {
        var copy = self
        var spec = copy["spec"]!
        var template = spec["template"]!
        var podSpec = template["spec"]!
        podSpec["restartPolicy"] = .string(policy)
        template["spec"] = podSpec
        spec["template"] = template
        copy["spec"] = spec
        return copy
    }
}
