import Foundation
import Testing
import TugAPI
import TugClient
@testable import TugControllers

@Suite struct ResourceQuotaControllerTests {
    typealias C = ControllerTestCluster

    func quota(_ name: String, hard: [String: Quantity], scopes: [String]? = nil) -> CoreV1.ResourceQuota {
        var q = CoreV1.ResourceQuota(metadata: MetaV1.ObjectMeta(name: name, namespace: "default"))
        q.spec = CoreV1.ResourceQuotaSpec(hard: hard, scopes: scopes)
        return q
    }

    func pod(_ name: String, requests: [String: Quantity] = [:], limits: [String: Quantity] = [:]) -> CoreV1.Pod {
        var p = C.pod(name, labels: [:])
        if !requests.isEmpty || !limits.isEmpty {
            p.spec?.containers?[0].resources = CoreV1.ResourceRequirements(limits: limits.isEmpty ? nil : limits, requests: requests.isEmpty ? nil : requests)
        }
        return p
    }

    func used(_ c: C, _ name: String) async throws -> [String: Quantity] {
        try await c.client.get(CoreV1.ResourceQuota.self, namespace: "default", name: name).status?.used ?? [:]
    }

    @Test func countsObjectsAndComputeOfLivePods() async throws {
        let c = try await C.start()
        defer { c.stop() }
        _ = try await c.client.create(pod("a", requests: ["cpu": "500m", "memory": "256Mi"], limits: ["cpu": "1", "memory": "256Mi"]))
        _ = try await c.client.create(pod("b", requests: ["cpu": "250m"]))
        _ = try await c.client.create(pod("done", requests: ["cpu": "4"]))
        try await c.setStatus("done", ip: nil, ready: false, phase: "Succeeded")
        var np = C.service("np", selector: ["app": "x"], ports: [CoreV1.ServicePort(name: "a", port: 80), CoreV1.ServicePort(name: "b", port: 81)])
        np.spec?.type = "NodePort"
        _ = try await c.client.create(np)
        _ = try await c.client.create(C.service("plain", selector: ["app": "x"], ports: [CoreV1.ServicePort(port: 80)]))
        var cm = CoreV1.ConfigMap(metadata: MetaV1.ObjectMeta(name: "cfg", namespace: "default"))
        cm.data = ["k": "v"]
        _ = try await c.client.create(cm)
        let configMaps = try await c.client.list(CoreV1.ConfigMap.self, namespace: "default").items.count

        let hard: [String: Quantity] = ["pods": "10", "count/pods": "10", "requests.cpu": "2", "cpu": "2", "requests.memory": "1Gi",
                                        "limits.cpu": "4", "limits.memory": "1Gi", "services": "5", "services.nodeports": "3",
                                        "services.loadbalancers": "1", "configmaps": "10", "count/deployments.apps": "2",
                                        "replicationcontrollers": "1", "resourcequotas": "3"]
        _ = try await c.client.create(quota("q", hard: hard))
        // Informers deliver pods and services independently: wait until both are counted.
        try await c.eventually("usage counted") {
            let u = try await used(c, "q")
            return u["pods"] == 2 && u["services"] == 3 && u["services.nodeports"] == 2 && u["requests.cpu"] == "750m"
        }
        let q = try await c.client.get(CoreV1.ResourceQuota.self, namespace: "default", name: "q")
        #expect(q.status?.hard == hard)
        let u = q.status?.used ?? [:]
        #expect(Set(u.keys) == Set(hard.keys), "exactly the resources with a hard limit")
        #expect(u["count/pods"] == 3, "count/ counts every pod, also finished ones")
        #expect(u["requests.cpu"] == "750m" && u["cpu"] == "750m")
        #expect(u["requests.memory"] == "256Mi" && u["limits.memory"] == "256Mi")
        #expect(u["limits.cpu"] == "1")
        // Three services: the two above and the API server's own `kubernetes`.
        #expect(u["services"] == 3 && u["services.nodeports"] == 2 && u["services.loadbalancers"] == 0)
        #expect(u["configmaps"] == Quantity(value: Int64(configMaps)))
        #expect(u["count/deployments.apps"] == 0 && u["replicationcontrollers"] == 0 && u["resourcequotas"] == 1)

        // Deleting a pod gives its share back.
        try await c.client.delete(CoreV1.Pod.self, namespace: "default", name: "a")
        try await c.eventually("a released") { try await used(c, "q")["requests.cpu"] == "250m" }
        #expect(try await used(c, "q")["pods"] == 1)
    }

    @Test func scopesSelectPods() async throws {
        let c = try await C.start()
        defer { c.stop() }
        _ = try await c.client.create(pod("besteffort"))
        _ = try await c.client.create(pod("burstable", requests: ["cpu": "100m"]))
        var deadline = pod("deadline", requests: ["cpu": "200m"])
        deadline.spec?.activeDeadlineSeconds = 60
        _ = try await c.client.create(deadline)
        _ = try await c.client.create(quota("be", hard: ["pods": "5"], scopes: ["BestEffort"]))
        _ = try await c.client.create(quota("nbe", hard: ["pods": "5", "requests.cpu": "1"], scopes: ["NotBestEffort", "NotTerminating"]))
        _ = try await c.client.create(quota("term", hard: ["pods": "5", "services": "1"], scopes: ["Terminating"]))
        try await c.eventually("scoped usage") {
            let be = try await used(c, "be"), nbe = try await used(c, "nbe"), term = try await used(c, "term")
            return be["pods"] == 1 && nbe["pods"] == 1 && term["pods"] == 1
        }
        #expect(try await used(c, "nbe")["requests.cpu"] == "100m")
        #expect(try await used(c, "term")["services"] == 0, "a scoped quota counts only pods")
    }

    @Test func priorityClassScopeSelector() {
        var p = pod("p")
        p.spec?.priorityClassName = "high"
        func req(_ op: String, _ values: [String]? = nil) -> [CoreV1.ScopedResourceSelectorRequirement] {
            [CoreV1.ScopedResourceSelectorRequirement(scopeName: "PriorityClass", operator: op, values: values)]
        }
        #expect(QuotaUsage.matches(p, scopes: [], selector: req("In", ["high", "mid"])))
        #expect(!QuotaUsage.matches(p, scopes: [], selector: req("NotIn", ["high"])))
        #expect(QuotaUsage.matches(p, scopes: [], selector: req("Exists")))
        #expect(!QuotaUsage.matches(p, scopes: [], selector: req("DoesNotExist")))
        #expect(QuotaUsage.matches(p, scopes: ["PriorityClass"], selector: []))
    }

    @Test func podTotalsFollowInitContainersSidecarsAndOverhead() {
        var p = pod("p", requests: ["cpu": "100m"], limits: ["cpu": "200m"])
        var initC = CoreV1.Container()
        initC.name = "init"
        initC.resources = CoreV1.ResourceRequirements(requests: ["cpu": "500m"])
        var sidecar = CoreV1.Container()
        sidecar.name = "sidecar"
        sidecar.restartPolicy = "Always"
        sidecar.resources = CoreV1.ResourceRequirements(requests: ["cpu": "50m", "memory": "10Mi"])
        p.spec?.initContainers = [sidecar, initC]
        p.spec?.overhead = ["cpu": "10m"]
        let u = QuotaUsage.pod(p, now: Date())
        // max(100m + 50m sidecar, 500m init + 50m sidecar) + 10m overhead
        #expect(u["requests.cpu"] == "560m")
        #expect(u["requests.memory"] == "10Mi")
        #expect(u["limits.cpu"] == "210m")
    }
}
