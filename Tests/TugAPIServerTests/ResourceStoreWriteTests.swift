import Foundation
import Logging
import Testing
import TugAPI
import TugStore
@testable import TugAPIServer

/// The write paths of `ResourceStore` over an in-memory store: main updates, the `status` and
/// `scale` subresources, metadata rules and per-kind name rules.
@Suite struct ResourceStoreWriteTests {
    let core: APIServerCore

    init() async throws {
        core = APIServerCore(store: MemoryStore(), serverAddress: "http://127.0.0.1:0", logger: Logger(label: "test"))
        try await core.bootstrap()
    }

    func handler(_ group: String, _ resource: String) throws -> ResourceHandler {
        try #require(core.registry.handler(group: group, version: "v1", resource: resource))
    }

    func json(_ r: WriteResult) throws -> JSONValue { try JSONValue(parsing: Data(r.bytes)) }

    func options(_ manager: String? = nil) -> WriteOptions {
        var o = WriteOptions()
        o.fieldManager = manager
        return o
    }

    static let deployment: JSONValue = [
        "apiVersion": "apps/v1", "kind": "Deployment", "metadata": ["name": "web"],
        "spec": [
            "replicas": 2, "selector": ["matchLabels": ["app": "web"]],
            "template": ["metadata": ["labels": ["app": "web"]], "spec": ["containers": [["name": "web", "image": "nginx:1.27"]]]],
        ],
    ]

    func createDeployment() async throws -> (ResourceHandler, JSONValue) {
        let h = try handler("apps", "deployments")
        let created = try json(try await h.create(namespace: "default", body: Self.deployment, options: options("kubectl")))
        return (h, created)
    }

    @Test func statusUpdateChangesOnlyStatus() async throws {
        let (h, created) = try await createDeployment()
        #expect(created["metadata"]?["generation"] == 1)
        var body = created
        body["status"] = ["replicas": 2, "readyReplicas": 1, "observedGeneration": 1]
        body["spec"]?["replicas"] = 9
        body["metadata"]?["labels"] = ["sneaky": "yes"]
        let updated = try json(try await h.update(namespace: "default", name: "web", body: body, subresource: "status", options: options("controller")))
        #expect(updated["status"]?["readyReplicas"] == 1)
        #expect(updated["spec"]?["replicas"] == 2, "a status write must not change the spec")
        #expect(updated["metadata"]?["labels"] == nil)
        #expect(updated["metadata"]?["generation"] == 1)
        #expect(updated["metadata"]?["resourceVersion"] != created["metadata"]?["resourceVersion"])
        let entries = try #require(updated["metadata"]?["managedFields"]?.arrayValue)
        #expect(entries.contains { $0["manager"] == "controller" && $0["subresource"] == "status" && $0["operation"] == "Update" })
        // And the main resource ignores status.
        var spec = updated
        spec["status"] = ["replicas": 7]
        spec["spec"]?["replicas"] = 3
        let main = try json(try await h.update(namespace: "default", name: "web", body: spec, subresource: nil, options: options("kubectl")))
        #expect(main["status"]?["replicas"] == 2)
        #expect(main["spec"]?["replicas"] == 3)
        #expect(main["metadata"]?["generation"] == 2)
    }

    @Test func statusPatchAndApply() async throws {
        let (h, _) = try await createDeployment()
        let patched = try json(try await h.patch(namespace: "default", name: "web",
                                                 patch: PatchRequest(kind: .merge, body: ["status": ["replicas": 2, "readyReplicas": 2, "availableReplicas": 2], "spec": ["replicas": 5]]),
                                                 subresource: "status", options: options("kubelet")))
        #expect(patched["status"]?["availableReplicas"] == 2)
        #expect(patched["spec"]?["replicas"] == 2)
        let applied = try json(try await h.patch(namespace: "default", name: "web",
                                                 patch: PatchRequest(kind: .apply, body: [
                                                     "apiVersion": "apps/v1", "kind": "Deployment", "metadata": ["name": "web"],
                                                     "status": ["updatedReplicas": 2],
                                                 ]),
                                                 subresource: "status", options: options("rollout")))
        #expect(applied["status"]?["updatedReplicas"] == 2)
        #expect(applied["status"]?["availableReplicas"] == 2)
        let entries = try #require(applied["metadata"]?["managedFields"]?.arrayValue)
        #expect(entries.contains { $0["manager"] == "rollout" && $0["operation"] == "Apply" && $0["subresource"] == "status" })
        #expect(entries.contains { $0["manager"] == "kubectl" && $0["operation"] == "Update" && $0["subresource"] == nil })
    }

    @Test func scaleRecordsItsSubresource() async throws {
        let (h, _) = try await createDeployment()
        let scale = try json(try await h.update(namespace: "default", name: "web",
                                                body: ["apiVersion": "autoscaling/v1", "kind": "Scale", "metadata": ["name": "web"], "spec": ["replicas": 4]],
                                                subresource: "scale", options: options("hpa")))
        #expect(scale["spec"]?["replicas"] == 4)
        let obj = try JSONValue(parsing: Data(try await h.get(namespace: "default", name: "web", subresource: nil)))
        #expect(obj["metadata"]?["generation"] == 2)
        let entries = try #require(obj["metadata"]?["managedFields"]?.arrayValue)
        #expect(entries.contains { $0["manager"] == "hpa" && $0["subresource"] == "scale" })
    }

    @Test func updateMayNotChangeUID() async throws {
        let (h, created) = try await createDeployment()
        var body = created
        body["metadata"]?["uid"] = "00000000-0000-0000-0000-000000000000"
        await #expect(throws: APIError.self) {
            _ = try await h.update(namespace: "default", name: "web", body: body, subresource: nil, options: options())
        }
        do {
            _ = try await h.update(namespace: "default", name: "web", body: body, subresource: nil, options: options())
        } catch let e as APIError {
            #expect(e.code == 422)
            #expect(e.message.contains("metadata.uid") && e.message.contains("field is immutable"), "\(e.message)")
        }
        // Without a uid the stored one is kept.
        body["metadata"]?["uid"] = nil
        body["spec"]?["replicas"] = 1
        let ok = try json(try await h.update(namespace: "default", name: "web", body: body, subresource: nil, options: options()))
        #expect(ok["metadata"]?["uid"] == created["metadata"]?["uid"])
    }

    @Test func namesFollowTheKindsRule() async throws {
        let roles = try handler("rbac.authorization.k8s.io", "clusterroles")
        let role = try json(try await roles.create(namespace: nil, body: [
            "apiVersion": "rbac.authorization.k8s.io/v1", "kind": "ClusterRole", "metadata": ["name": "system:controller:web"],
            "rules": [["apiGroups": [""], "resources": ["pods"], "verbs": ["get"]]],
        ], options: options()))
        #expect(role["metadata"]?["name"] == "system:controller:web")
        let configMaps = try handler("", "configmaps")
        do {
            _ = try await configMaps.create(namespace: "default", body: ["apiVersion": "v1", "kind": "ConfigMap", "metadata": ["name": "a:b"]], options: options())
            Issue.record("a ConfigMap named a:b was accepted")
        } catch let e as APIError {
            #expect(e.code == 422 && e.message.contains("metadata.name"), "\(e.message)")
        }
        let services = try handler("", "services")
        do {
            _ = try await services.create(namespace: "default", body: [
                "apiVersion": "v1", "kind": "Service", "metadata": ["name": "web.v1"], "spec": ["ports": [["port": 80]]],
            ], options: options())
            Issue.record("a Service named web.v1 was accepted")
        } catch let e as APIError {
            #expect(e.code == 422 && e.message.contains("metadata.name"), "\(e.message)")
        }
    }
}
