import Foundation
import TugAPI

/// `pods/binding`: assigns a pod to a node once, as the scheduler does.
enum PodBinding {
    static func bind(_ pods: ResourceStore<PodStrategy>, namespace: String?, name: String, body: JSONValue, options: WriteOptions) async throws -> WriteResult {
        let binding = try ObjectDecoding.decode(CoreV1.Binding.self, from: body)
        guard let node = binding.target?.name, !node.isEmpty else {
            throw APIError.invalid(kind: "Binding", group: "", name: name, [.required("target.name")])
        }
        if let k = binding.target?.kind, !k.isEmpty, k != "Node" {
            throw APIError.invalid(kind: "Binding", group: "", name: name, [.notSupported("target.kind", k, ["Node"])])
        }
        if let n = binding.metadata.name, !n.isEmpty, n != name {
            throw APIError.badRequest("the name of the Binding (\(n)) does not match the pod name on the URL (\(name))")
        }
        let pr = GroupResourceName(group: "", resource: "pods")
        _ = try await pods.write(namespace: namespace, name: name, options: options, allowCreate: false, precondition: nil, kind: .system) { old in
            if let uid = binding.metadata.uid, !uid.isEmpty, uid != old.metadata.uid {
                throw APIError.conflict(pr, name, "the UID in the binding (\(uid)) does not match the pod's")
            }
            if old.metadata.deletionTimestamp != nil {
                throw APIError.conflict(pr, name, "pod \(name) is being deleted, cannot be assigned to a host")
            }
            if let existing = old.spec?.nodeName, !existing.isEmpty {
                throw APIError.conflict(pr, name, "pod \(name) is already assigned to node \"\(existing)\"")
            }
            var new = old
            if new.spec == nil { new.spec = CoreV1.PodSpec() }
            new.spec?.nodeName = node
            var conds = new.status?.conditions ?? []
            conds.removeAll { $0.type == "PodScheduled" }
            conds.append(CoreV1.PodCondition(type: "PodScheduled", status: "True", lastTransitionTime: Time.now()))
            if new.status == nil { new.status = CoreV1.PodStatus() }
            new.status?.conditions = conds
            if let ann = binding.metadata.annotations {
                new.metadata.annotations = (new.metadata.annotations ?? [:]).merging(ann) { _, b in b }
            }
            return new
        }
        let success: JSONValue = ["kind": "Status", "apiVersion": "v1", "metadata": .object([:]), "status": "Success", "code": 201]
        return WriteResult(bytes: Array(success.serialized()), code: 201)
    }
}
