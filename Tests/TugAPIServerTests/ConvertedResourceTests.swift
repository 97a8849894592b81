import Foundation
import Logging
import Testing
import TugAPI
import TugStore
@testable import TugAPIServer

/// Versions served by conversion: autoscaling/v1 over v2 storage, events.k8s.io over core Events.
@Suite struct ConvertedResourceTests {
    let core: APIServerCore
    let feed: Task<Void, any Error>

    init() async throws {
        let store = MemoryStore()
        core = APIServerCore(store: store, serverAddress: "http://127.0.0.1:0", logger: Logger(label: "test"))
        try await core.bootstrap()
        let dispatcher = core.dispatcher
        feed = Task { try await dispatcher.run() }
    }

    func handler(_ group: String, _ version: String, _ resource: String) throws -> ResourceHandler {
        try #require(core.registry.handler(group: group, version: version, resource: resource))
    }

    func json(_ bytes: [UInt8]) throws -> JSONValue { try JSONValue(parsing: bytes) }

    static let hpaV2: JSONValue = [
        "apiVersion": "autoscaling/v2", "kind": "HorizontalPodAutoscaler", "metadata": ["name": "web"],
        "spec": [
            "scaleTargetRef": ["apiVersion": "apps/v1", "kind": "Deployment", "name": "web"], "minReplicas": 2, "maxReplicas": 10,
            "metrics": [
                ["type": "Resource", "resource": ["name": "cpu", "target": ["type": "Utilization", "averageUtilization": 70]]],
                ["type": "Resource", "resource": ["name": "memory", "target": ["type": "AverageValue", "averageValue": "500Mi"]]],
            ],
        ],
    ]

    @Test func hpaV1ReadsAndWritesV2Storage() async throws {
        defer { feed.cancel() }
        let v1 = try handler("autoscaling", "v1", "horizontalpodautoscalers")
        let v2 = try handler("autoscaling", "v2", "horizontalpodautoscalers")
        _ = try await v2.create(namespace: "default", body: Self.hpaV2, options: WriteOptions())

        let asV1 = try json(try await v1.get(namespace: "default", name: "web", subresource: nil))
        #expect(asV1["apiVersion"] == "autoscaling/v1")
        #expect(asV1["spec"]?["targetCPUUtilizationPercentage"] == 70)
        #expect(asV1["spec"]?["metrics"] == nil)
        let kept = try #require(asV1["metadata"]?["annotations"]?[HorizontalPodAutoscalerConversion.metricsAnnotation]?.stringValue)
        #expect(kept.contains("memory"))

        // A v1 client changes what it knows; the memory metric survives in v2.
        var changed = asV1
        changed["spec"]?["maxReplicas"] = 12
        changed["spec"]?["targetCPUUtilizationPercentage"] = 55
        let updated = try json(try await v1.update(namespace: "default", name: "web", body: changed, subresource: nil, options: WriteOptions()).bytes)
        #expect(updated["spec"]?["maxReplicas"] == 12)
        let stored = try json(try await v2.get(namespace: "default", name: "web", subresource: nil))
        let metrics = try #require(stored["spec"]?["metrics"]?.arrayValue)
        #expect(metrics.count == 2)
        #expect(metrics.contains { $0["resource"]?["name"] == "cpu" && $0["resource"]?["target"]?["averageUtilization"] == 55 })
        #expect(metrics.contains { $0["resource"]?["name"] == "memory" })
        #expect(stored["metadata"]?["annotations"] == nil, "conversion annotations are not stored")

        // A v1 create with only the CPU target, patched through v1.
        _ = try await v1.create(namespace: "default", body: [
            "apiVersion": "autoscaling/v1", "kind": "HorizontalPodAutoscaler", "metadata": ["name": "api"],
            "spec": ["scaleTargetRef": ["apiVersion": "apps/v1", "kind": "Deployment", "name": "api"], "maxReplicas": 4,
                     "targetCPUUtilizationPercentage": 50],
        ], options: WriteOptions())
        let patched = try json(try await v1.patch(namespace: "default", name: "api", patch: PatchRequest(kind: .merge, body: ["spec": ["maxReplicas": 6]]),
                                                  subresource: nil, options: WriteOptions()).bytes)
        #expect(patched["spec"]?["maxReplicas"] == 6 && patched["spec"]?["targetCPUUtilizationPercentage"] == 50)
        #expect(patched["spec"]?["minReplicas"] == 1, "v2 defaults apply")

        // Lists of the v1 resource come from its own, converting cache.
        await core.dispatcher.waitUntil(try await core.store.currentRevision)
        let listed = v1.cache.snapshot(ObjectFilter(namespace: "default")).objects
        #expect(listed.map(\.name) == ["api", "web"])
        #expect(try listed.allSatisfy { try json($0.bytes)["apiVersion"] == "autoscaling/v1" })

        // v1 validation errors come from the v2 rules after conversion.
        do {
            _ = try await v1.create(namespace: "default", body: [
                "apiVersion": "autoscaling/v1", "kind": "HorizontalPodAutoscaler", "metadata": ["name": "bad"],
                "spec": ["scaleTargetRef": ["kind": "Deployment", "name": "x"], "maxReplicas": 0],
            ], options: WriteOptions())
            Issue.record("maxReplicas 0 was accepted")
        } catch let e as APIError {
            #expect(e.code == 422 && e.message.contains("spec.maxReplicas"), "\(e.message)")
        }
    }

    @Test func eventsShareStorageAcrossGroups() async throws {
        defer { feed.cancel() }
        let coreEvents = try handler("", "v1", "events")
        let newEvents = try handler("events.k8s.io", "v1", "events")
        _ = try await newEvents.create(namespace: "default", body: [
            "apiVersion": "events.k8s.io/v1", "kind": "Event", "metadata": ["name": "web.1"],
            "eventTime": "2026-11-24T08:00:00.000000Z", "reportingController": "tugboat.dev/scheduler", "reportingInstance": "node-1",
            "action": "Binding", "reason": "Scheduled", "type": "Normal", "note": "assigned default/web to node-1",
            "regarding": ["kind": "Pod", "namespace": "default", "name": "web", "apiVersion": "v1"],
        ], options: WriteOptions())
        let asCore = try json(try await coreEvents.get(namespace: "default", name: "web.1", subresource: nil))
        #expect(asCore["apiVersion"] == "v1")
        #expect(asCore["message"] == "assigned default/web to node-1")
        #expect(asCore["involvedObject"]?["name"] == "web")
        #expect(asCore["reportingComponent"] == "tugboat.dev/scheduler")

        _ = try await coreEvents.create(namespace: "default", body: [
            "apiVersion": "v1", "kind": "Event", "metadata": ["name": "web.2"], "reason": "Pulled", "message": "pulled",
            "type": "Normal", "count": 3, "source": ["component": "kubelet"],
            "involvedObject": ["kind": "Pod", "namespace": "default", "name": "web"],
        ], options: WriteOptions())
        let asNew = try json(try await newEvents.get(namespace: "default", name: "web.2", subresource: nil))
        #expect(asNew["apiVersion"] == "events.k8s.io/v1")
        #expect(asNew["note"] == "pulled" && asNew["deprecatedCount"] == 3 && asNew["regarding"]?["name"] == "web")
        #expect(asNew["deprecatedSource"]?["component"] == "kubelet")

        // The new API's stricter create rules still apply.
        do {
            _ = try await newEvents.create(namespace: "default", body: [
                "apiVersion": "events.k8s.io/v1", "kind": "Event", "metadata": ["name": "web.3"], "type": "Normal", "note": "x",
                "regarding": ["kind": "Pod", "namespace": "default", "name": "web"],
            ], options: WriteOptions())
            Issue.record("an events.k8s.io Event without eventTime was accepted")
        } catch let e as APIError {
            #expect(e.code == 422 && e.message.contains("eventTime"), "\(e.message)")
        }
        await core.dispatcher.waitUntil(try await core.store.currentRevision)
        #expect(newEvents.cache.snapshot(ObjectFilter(namespace: "default")).objects.map(\.name) == ["web.1", "web.2"])
    }
}
