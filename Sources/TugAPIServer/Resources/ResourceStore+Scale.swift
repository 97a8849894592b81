import Foundation
import TugAPI

extension ResourceStore {
    /// The `autoscaling/v1` `Scale` view of an object.
    func scaleObject(_ obj: Object) throws -> JSONValue {
        guard let s = strategy.scale else { throw APIError.notFound(resourceName, "\(obj.metadata.name ?? "")/scale") }
        var meta: [String: JSONValue] = ["name": .string(obj.metadata.name ?? "")]
        if let ns = obj.metadata.namespace { meta["namespace"] = .string(ns) }
        if let uid = obj.metadata.uid { meta["uid"] = .string(uid) }
        if let rv = obj.metadata.resourceVersion { meta["resourceVersion"] = .string(rv) }
        if let t = obj.metadata.creationTimestamp { meta["creationTimestamp"] = .string(t.rfc3339) }
        return .object([
            "kind": "Scale", "apiVersion": "autoscaling/v1", "metadata": .object(meta),
            "spec": .object(["replicas": .int(Int64(s.specReplicas(obj)))]),
            "status": .object(["replicas": .int(Int64(s.statusReplicas(obj))), "selector": .string(s.selector(obj))]),
        ])
    }

    func scaleBytes(_ obj: Object) throws -> [UInt8] {
        Array(try scaleObject(obj).serialized())
    }

    /// PUT or PATCH of `scale`: `change` maps the current Scale to the wanted one.
    func updateScale(namespace: String?, name: String, options: WriteOptions,
                     change: @escaping (JSONValue) throws -> JSONValue) async throws -> WriteResult {
        guard let access = strategy.scale else { throw APIError.notFound(resourceName, "\(name)/scale") }
        let result = try await write(namespace: namespace, name: name, options: options, allowCreate: false, precondition: nil,
                                     kind: .main(subresource: "scale")) { old in
            let current = try self.scaleObject(old)
            let wanted = try change(current)
            if let k = wanted["kind"]?.stringValue, k != "Scale" {
                throw APIError.badRequest("the body of a scale request must be a Scale, got kind \(k)")
            }
            if let rv = wanted["metadata"]?["resourceVersion"]?.stringValue, !rv.isEmpty, rv != old.metadata.resourceVersion {
                throw APIError.conflict(self.resourceName, name, "the object has been modified; please apply your changes to the latest version and try again")
            }
            guard let r = wanted["spec"]?["replicas"]?.intValue ?? (wanted["spec"]?["replicas"] == nil ? 0 : nil) else {
                throw APIError.badRequest("Scale.spec.replicas must be an integer")
            }
            if r < 0 || r > Int64(Int32.max) {
                throw APIError.invalid(kind: "Scale", group: "autoscaling", name: name,
                                       [.invalid("spec.replicas", Int(r), "must be greater than or equal to 0")])
            }
            var new = old
            access.setSpecReplicas(&new, Int(r))
            return new
        }
        // result.bytes carry the new resourceVersion, which the Scale reports.
        let obj = try APICoding.decode(Object.self, from: Data(result.bytes))
        return WriteResult(bytes: try scaleBytes(obj), code: 200, warnings: result.warnings)
    }
}
