import Foundation
import TugAPI
@testable import TugAPIServer

/// Shared fixtures for the server-side apply tests: a Deployment endpoint on the real schema.
enum ApplyFixtures {
    static let engine = ManagedFieldsEngine(meta: SchemaPatchMeta.forMessage("k8s.io.api.apps.v1.Deployment"),
                                            apiVersion: "apps/v1", kind: "Deployment")
    /// 2026-01-01T00:00:00Z
    static let t0 = Date(timeIntervalSince1970: 1_767_225_600)

    static func at(_ seconds: Int) -> Date { t0.addingTimeInterval(TimeInterval(seconds)) }

    /// An applied configuration as `kubectl apply --server-side` sends it.
    static func config(replicas: Int64? = 2, labels: [String: JSONValue] = ["app": "web"],
                       containers: [JSONValue] = [["name": "web", "image": "nginx:1.27", "ports": [["containerPort": 80]]]],
                       extraMetadata: [String: JSONValue] = [:]) -> JSONValue {
        var spec: [String: JSONValue] = [
            "selector": ["matchLabels": ["app": "web"]],
            "template": ["metadata": ["labels": ["app": "web"]], "spec": ["containers": .array(containers)]],
        ]
        if let replicas { spec["replicas"] = .int(replicas) }
        var meta: [String: JSONValue] = ["name": "web", "labels": .object(labels)]
        for (k, v) in extraMetadata { meta[k] = v }
        return ["apiVersion": "apps/v1", "kind": "Deployment", "metadata": .object(meta), "spec": .object(spec)]
    }

    /// What the store would hold after a write: server-set metadata added.
    static func stored(_ obj: JSONValue) -> JSONValue {
        var o = obj
        var meta = o["metadata"]?.objectValue ?? [:]
        meta["uid"] = "6f1c7f0e-2b1a-4c55-8d3e-9a0b1c2d3e4f"
        meta["namespace"] = "default"
        meta["resourceVersion"] = "100"
        meta["creationTimestamp"] = "2026-01-01T00:00:00Z"
        meta["generation"] = 1
        o["metadata"] = .object(meta)
        return o
    }

    static func records(_ obj: JSONValue) throws -> [ManagedFieldsRecord] {
        try ManagedFieldsRecord.list(from: obj["metadata"]?["managedFields"])
    }

    static func fields(_ obj: JSONValue, _ manager: String, _ operation: String = "Apply") throws -> FieldSet? {
        try records(obj).first { $0.manager == manager && $0.operation == operation }?.fields
    }

    static let replicasPath: FieldPath = [.field("spec"), .field("replicas")]
    static let webImagePath: FieldPath = [.field("spec"), .field("template"), .field("spec"), .field("containers"),
                                          .makeKey([("name", "web")]), .field("image")]

    static func withoutManagedFields(_ v: JSONValue) -> JSONValue {
        ManagedFieldsEngine.withoutManagedFields(v)
    }
}
