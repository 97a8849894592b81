import Foundation
import Logging
import Testing
import TugAPI
import TugAPIServer
import TugInProcess
import TugStore
@testable import TugClient

/// A server on an in-memory store, reached through the in-process transport.
struct TestCluster {
    let core: APIServerCore
    let client: APIClient
    let feed: Task<Void, any Error>

    init() async throws {
        core = APIServerCore(store: MemoryStore(), serverAddress: "http://127.0.0.1:0", logger: Logger(label: "test"))
        try await core.bootstrap()
        let dispatcher = core.dispatcher
        feed = Task { try await dispatcher.run() }
        client = APIClient(transport: InProcessTransport(core: core), fieldManager: "tests")
    }

    func stop() { feed.cancel() }

    static func configMap(_ name: String, namespace: String = "default", labels: [String: String]? = nil, data: [String: String] = [:]) -> CoreV1.ConfigMap {
        var cm = CoreV1.ConfigMap(metadata: MetaV1.ObjectMeta())
        cm.metadata.name = name
        cm.metadata.namespace = namespace
        cm.metadata.labels = labels
        cm.data = data
        return cm
    }
}

@Suite struct APIClientTests {
    @Test func crudStatusAndErrors() async throws {
        let c = try await TestCluster()
        defer { c.stop() }
        let client = c.client
        let created = try await client.create(TestCluster.configMap("one", labels: ["app": "web"], data: ["k": "v"]))
        #expect(created.metadata.uid != nil && created.metadata.resourceVersion != nil)
        #expect(created.metadata.managedFields?.first?.manager == "tests")

        var got = try await client.get(CoreV1.ConfigMap.self, namespace: "default", name: "one")
        #expect(got.data == ["k": "v"])
        got.data?["k"] = "w"
        let updated = try await client.update(got)
        #expect(updated.data == ["k": "w"])

        // A stale resourceVersion is a 409 Conflict, as the server's Status says.
        do {
            _ = try await client.update(got)
            Issue.record("stale update accepted")
        } catch let e as APIError {
            #expect(e.code == 409 && e.reason == "Conflict")
        }
        do {
            _ = try await client.get(CoreV1.ConfigMap.self, namespace: "default", name: "missing")
            Issue.record("missing object found")
        } catch let e as APIError {
            #expect(e.code == 404 && e.reason == "NotFound")
        }

        let patched = try await client.patch(CoreV1.ConfigMap.self, namespace: "default", name: "one", ["data": ["extra": "1"]])
        #expect(patched.data == ["k": "w", "extra": "1"])

        _ = try await client.create(TestCluster.configMap("two", labels: ["app": "db"]))
        let web = try await client.list(CoreV1.ConfigMap.self, namespace: "default", labelSelector: "app=web")
        #expect(web.items.map { $0.metadata.name } == ["one"])
        for i in 0..<5 { _ = try await client.create(TestCluster.configMap("page-\(i)")) }
        let all = try await client.listAll(CoreV1.ConfigMap.self, namespace: "default", pageSize: 2)
        #expect(all.items.count == 7)
        #expect(all.metadata.resourceVersion != nil)

        // Status subresource through the typed client.
        var dep = AppsV1.Deployment(metadata: MetaV1.ObjectMeta())
        dep.metadata.name = "web"
        dep.metadata.namespace = "default"
        var template = CoreV1.PodTemplateSpec()
        template.metadata.labels = ["app": "web"]
        var container = CoreV1.Container()
        container.name = "web"
        container.image = "nginx"
        template.spec = CoreV1.PodSpec(containers: [container])
        dep.spec = AppsV1.DeploymentSpec(selector: MetaV1.LabelSelector(matchLabels: ["app": "web"]), template: template)
        var d = try await client.create(dep)
        d.status = AppsV1.DeploymentStatus(observedGeneration: 1, replicas: 1)
        let withStatus = try await client.updateStatus(d)
        #expect(withStatus.status?.replicas == 1 && withStatus.status?.observedGeneration == 1)

        try await client.delete(CoreV1.ConfigMap.self, namespace: "default", name: "two")
        #expect(try await client.list(CoreV1.ConfigMap.self, namespace: "default", labelSelector: "app=db").items.isEmpty)
    }

    @Test func watchStreamsTypedEvents() async throws {
        let c = try await TestCluster()
        defer { c.stop() }
        let start = try await c.client.list(CoreV1.ConfigMap.self, namespace: "default")
        let events = try await c.client.watch(CoreV1.ConfigMap.self, namespace: "default", resourceVersion: start.metadata.resourceVersion!,
                                              timeoutSeconds: 10)
        _ = try await c.client.create(TestCluster.configMap("w1"))
        _ = try await c.client.patch(CoreV1.ConfigMap.self, namespace: "default", name: "w1", ["data": ["a": "b"]])
        try await c.client.delete(CoreV1.ConfigMap.self, namespace: "default", name: "w1")
        var seen: [String] = []
        for try await e in events {
            switch e {
            case .added(let o): seen.append("added \(o.metadata.name!)")
            case .modified(let o): seen.append("modified \(o.metadata.name!) \(o.data?["a"] ?? "")")
            case .deleted(let o): seen.append("deleted \(o.metadata.name!)")
            case .bookmark: continue
            }
            if seen.count == 3 { break }
        }
        #expect(seen == ["added w1", "modified w1 b", "deleted w1"])

        // Too old a resourceVersion: the server's 410 comes back as the error.
        await #expect(throws: APIError.self) {
            _ = try await c.client.watch(CoreV1.ConfigMap.self, namespace: "default", resourceVersion: "999999999")
        }
    }

    /// In-process watches hand over the cache's typed objects: they must equal what a GET
    /// returns (resourceVersion and managed fields included), and a field-selected watch still
    /// turns "left the selection" into DELETED.
    @Test func inProcessWatchObjectsEqualTheServedOnes() async throws {
        let c = try await TestCluster()
        defer { c.stop() }
        let start = try await c.client.list(CoreV1.Pod.self, namespace: "default")
        let all = try await c.client.watch(CoreV1.Pod.self, namespace: "default", resourceVersion: start.metadata.resourceVersion!,
                                           timeoutSeconds: 10)
        let unbound = try await c.client.watch(CoreV1.Pod.self, namespace: "default", resourceVersion: start.metadata.resourceVersion!,
                                               fieldSelector: "spec.nodeName=", timeoutSeconds: 10)
        var pod = CoreV1.Pod(metadata: MetaV1.ObjectMeta(name: "p", namespace: "default", labels: ["app": "x"]))
        // Quantities in a non-canonical form: the typed object handed over must still equal the served one.
        pod.spec = CoreV1.PodSpec(containers: [CoreV1.Container(name: "c", image: "nginx",
                                                                 resources: CoreV1.ResourceRequirements(requests: ["cpu": "0.5", "memory": "1024Mi"]))])
        pod.spec?.schedulerName = "none"
        _ = try await c.client.create(pod)
        let binding: JSONValue = ["apiVersion": "v1", "kind": "Binding", "metadata": ["name": "p"],
                                  "target": ["apiVersion": "v1", "kind": "Node", "name": "n1"]]
        try await c.client.post(CoreV1.Pod.self, namespace: "default", name: "p", subresource: "binding", body: binding)
        let served = try await c.client.get(CoreV1.Pod.self, namespace: "default", name: "p")

        var last: CoreV1.Pod?
        var count = 0
        for try await e in all {
            if case .added(let o) = e {
                #expect(o.spec?.containers?.first?.resources?.requests?["cpu"]?.description == "500m")
                #expect(o.metadata.resourceVersion != nil && o.metadata.managedFields != nil)
            }
            guard case .modified(let o) = e else { continue }
            last = o
            count += 1
            break
        }
        #expect(count == 1)
        #expect(last == served)
        var kinds: [String] = []
        for try await e in unbound {
            switch e {
            case .added: kinds.append("added")
            case .modified: kinds.append("modified")
            case .deleted(let o):
                kinds.append("deleted")
                #expect(o.spec?.nodeName == "n1")
            case .bookmark: continue
            }
            if kinds.count == 2 { break }
        }
        #expect(kinds == ["added", "deleted"])
        await #expect(throws: APIError.self) {
            _ = try await c.client.watch(CoreV1.Pod.self, namespace: "default", resourceVersion: "0", fieldSelector: "bogus.field=1")
        }
    }
}
