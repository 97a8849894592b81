import Foundation
import TugAPI

/// `pods/eviction`: a delete that respects PodDisruptionBudgets.
enum PodEviction {
    static func evict(_ pods: ResourceStore<PodStrategy>, core: APIServerCore, namespace: String?, name: String, body: JSONValue) async throws -> WriteResult {
        if let k = body["kind"]?.stringValue, k != "Eviction" {
            throw APIError.badRequest("the body of an eviction must be an Eviction, got kind \(k)")
        }
        let pod = try await pods.load(namespace, name).object
        let phase = pod.status?.phase ?? "Pending"
        // Only running pods count against a budget, as in Kubernetes.
        if phase == "Running", let pdbs = core.registry.handler(group: "policy", version: "v1", resource: "poddisruptionbudgets") {
            let labels = pod.metadata.labels ?? [:]
            for o in pdbs.cache.snapshot(ObjectFilter(namespace: namespace)).objects {
                guard let pdb = try? APICoding.decode(PolicyV1.PodDisruptionBudget.self, from: Data(o.bytes)),
                      let sel = pdb.spec?.selector, let selector = try? Labels.Selector(sel), !selector.isEmpty,
                      selector.matches(labels: labels) else { continue }
                if (pdb.status?.disruptionsAllowed ?? 0) < 1 {
                    throw APIError(code: 429, reason: "TooManyRequests",
                                   message: "Cannot evict pod as it would violate the pod's disruption budget.",
                                   details: .init(causes: [.init(reason: "DisruptionBudget",
                                                                 message: "The disruption budget \(pdb.metadata.name ?? "") needs \(pdb.status?.desiredHealthy ?? 0) healthy pods and has \(pdb.status?.currentHealthy ?? 0) currently",
                                                                 field: "")]))
                }
            }
        }
        var options = DeleteOptions()
        if let d = body["deleteOptions"] { options = try DeleteOptions(query: [:], body: d) }
        _ = try await pods.delete(namespace: namespace, name: name, options: options)
        let success: JSONValue = ["kind": "Status", "apiVersion": "v1", "metadata": .object([:]), "status": "Success", "code": 201]
        return WriteResult(bytes: Array(success.serialized()), code: 201)
    }
}
