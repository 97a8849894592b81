import Foundation
import TugAPI
import TugStore

extension ResourceStore {
    /// PATCH in all four types; `apply` creates the object when it is missing.
    public func patch(namespace: String?, name: String, patch: PatchRequest, subresource: String?, options: WriteOptions) async throws -> WriteResult {
        if subresource == "scale" {
            return try await updateScale(namespace: namespace, name: name, options: options) { current in
                try PatchApplier.apply(patch, to: current, message: "k8s.io.api.autoscaling.v1.Scale")
            }
        }
        if let sub = subresource, sub != "status" { throw APIError.notFound(resourceName, "\(name)/\(sub)") }
        let message = info.protobufMessage
        if patch.kind == .apply {
            return try await applyPatch(namespace: namespace, name: name, patch: patch, subresource: subresource, options: options)
        }
        var warnings: [String] = []
        let change: (Object) throws -> Object = { old in
            let oldJSON = try JSONValue(encoding: old)
            let patched = try PatchApplier.apply(patch, to: oldJSON, message: message)
            warnings = try self.fieldWarnings(patched, options: options)
            var new = try self.decodeBody(patched, namespace: namespace, options: options)
            try self.checkName(new, name)
            if let rv = new.metadata.resourceVersion, rv != old.metadata.resourceVersion {
                throw APIError.conflict(self.resourceName, name, "the object has been modified; please apply your changes to the latest version and try again")
            }
            new.metadata.resourceVersion = old.metadata.resourceVersion
            return new
        }
        if subresource == "status" {
            return try await writeStatus(namespace: namespace, name: name, options: options, precondition: nil, change: change)
        }
        var result = try await write(namespace: namespace, name: name, options: options, allowCreate: false, precondition: nil, change: change)
        result.warnings += warnings
        return result
    }

    /// Server-side apply: merge the applied configuration, tracking field ownership per manager.
    func applyPatch(namespace: String?, name: String, patch: PatchRequest, subresource: String?, options: WriteOptions) async throws -> WriteResult {
        guard let manager = options.fieldManager, !manager.isEmpty else {
            throw APIError.badRequest("PATCH with application/apply-patch+yaml requires the fieldManager query parameter")
        }
        let warnings = try fieldWarnings(patch.body, options: options)
        // The applied configuration must itself be a valid object of this kind.
        let applied = try decodeBody(patch.body, namespace: namespace, options: options)
        try checkName(applied, name)
        let fm = admission.fieldManager
        let message = info.protobufMessage
        if try await store.get(key(namespace, name)) == nil {
            guard subresource == nil else { throw APIError.notFound(resourceName, name) }
            var merged = try fm.apply(live: nil, applied: patch.body, manager: manager, force: options.force, message: message, as: Object.self)
            merged.metadata.name = name
            if info.namespaced { merged.metadata.namespace = namespace }
            try await admitCreate(&merged, options: options)
            return try await insert(merged, options: options, warnings: warnings)
        }
        let change: (Object) throws -> Object = { old in
            var new = try fm.apply(live: old, applied: patch.body, manager: manager, force: options.force, message: message,
                                   as: Object.self, subresource: subresource)
            new.metadata.resourceVersion = old.metadata.resourceVersion
            return new
        }
        // Managed fields were computed by apply; the update path must not record them again.
        var opts = options
        opts.fieldManager = nil
        var result: WriteResult
        if subresource == "status" {
            result = try await writeStatus(namespace: namespace, name: name, options: opts, precondition: applied.metadata.resourceVersion, change: change)
        } else {
            result = try await write(namespace: namespace, name: name, options: opts, allowCreate: false,
                                     precondition: applied.metadata.resourceVersion, change: change)
        }
        result.warnings += warnings
        return result
    }
}
