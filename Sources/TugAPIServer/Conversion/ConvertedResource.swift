import Foundation
import TugAPI

/// Serves a version of a resource whose objects are stored in another version (autoscaling/v1
/// HPAs over autoscaling/v2, events.k8s.io Events over core Events). Requests are checked
/// against the served version's schema and strategy, converted, and handed to the storage
/// version's handler; what comes back is converted for the client. Lists and watches come
/// from a watch cache of the same keys that converts each stored object once.
final class ConvertedResource<S: ResourceStrategy>: ResourceHandler {
    let strategy: S
    let storage: ResourceHandler
    let conversion: any ResourceConversion
    let admission: AdmissionContext
    let cache: WatchCache

    var info: ResourceInfo { strategy.info }
    var selectableFieldNames: [String] {
        (info.namespaced ? ["metadata.name", "metadata.namespace"] : ["metadata.name"]) + strategy.selectableFieldNames
    }
    var resourceName: GroupResourceName { GroupResourceName(group: info.group, resource: info.resource) }

    init(strategy: S, storage: ResourceHandler, conversion: any ResourceConversion, dispatcher: CacheDispatcher, admission: AdmissionContext) {
        self.strategy = strategy
        self.storage = storage
        self.conversion = conversion
        self.admission = admission
        self.cache = dispatcher.makeCache(info: strategy.info, transform: { conversion.servedBytes($0) }) { bytes, revision, _ in
            guard var obj = try? APICoding.decode(S.Object.self, from: bytes) else { return ObjectAttributes(labels: [:]) }
            obj.metadata.resourceVersion = String(revision)
            return ObjectAttributes(labels: obj.metadata.labels ?? [:], fields: strategy.selectableFields(obj), typed: obj)
        }
    }

    /// Storage-version bytes (resourceVersion included) → served-version bytes.
    func served(_ bytes: [UInt8]) throws -> [UInt8] {
        JSONWriter.write(try conversion.toServed(try JSONValue(parsing: bytes)))
    }

    func served(_ result: WriteResult, warnings: [String] = []) throws -> WriteResult {
        WriteResult(bytes: try served(result.bytes), code: result.code, warnings: warnings + result.warnings)
    }

    /// A served-version body checked (kind, apiVersion, unknown fields, the strategy's rules) and
    /// converted for storage. The storage handler runs its own defaults and validation too.
    /// Also answers the decoded, defaulted served object, for the update rules.
    func toStorage(_ body: JSONValue, namespace: String?, options: WriteOptions, validate: Bool) throws -> (JSONValue, [String], S.Object) {
        let warnings = try admission.fieldWarnings(body, message: info.protobufMessage, options: options)
        var obj = try admission.decodeBody(body, as: S.Object.self, info: info, namespace: namespace)
        strategy.applyDefaults(&obj)
        if validate {
            let errs = strategy.validate(obj)
            if !errs.isEmpty { throw APIError.invalid(kind: info.kind, group: info.group, name: obj.metadata.name ?? "", errs) }
        }
        var converted = try conversion.toStorage(body)
        if info.namespaced, let namespace { converted["metadata"]?["namespace"] = .string(namespace) }
        return (converted, warnings, obj)
    }

    /// Options for the storage handler: unknown fields were already judged against the served schema.
    func storageOptions(_ options: WriteOptions) -> WriteOptions {
        var o = options
        o.fieldValidation = .ignore
        return o
    }

    func get(namespace: String?, name: String, subresource: String?) async throws -> [UInt8] {
        guard subresource == nil || subresource == "status" else { throw APIError.notFound(resourceName, "\(name)/\(subresource!)") }
        return try served(try await storage.get(namespace: namespace, name: name, subresource: subresource))
    }

    func create(namespace: String?, body: JSONValue, options: WriteOptions) async throws -> WriteResult {
        let (converted, warnings, _) = try toStorage(body, namespace: namespace, options: options, validate: true)
        return try served(try await storage.create(namespace: namespace, body: converted, options: storageOptions(options)), warnings: warnings)
    }

    func update(namespace: String?, name: String, body: JSONValue, subresource: String?, options: WriteOptions) async throws -> WriteResult {
        guard subresource == nil || subresource == "status" else { throw APIError.notFound(resourceName, "\(name)/\(subresource!)") }
        let (converted, warnings, new) = try toStorage(body, namespace: namespace, options: options, validate: false)
        if subresource == nil, let current = try? await storage.get(namespace: namespace, name: name, subresource: nil) {
            // The served version's update rules (immutable fields), against the served form of the stored object.
            let old = try APICoding.decode(S.Object.self, from: Data(try served(current)))
            let errs = strategy.validateUpdate(new, old: old)
            if !errs.isEmpty { throw APIError.invalid(kind: info.kind, group: info.group, name: name, errs) }
        }
        return try served(try await storage.update(namespace: namespace, name: name, body: converted, subresource: subresource,
                                                   options: storageOptions(options)), warnings: warnings)
    }

    func patch(namespace: String?, name: String, patch: PatchRequest, subresource: String?, options: WriteOptions) async throws -> WriteResult {
        guard subresource == nil || subresource == "status" else { throw APIError.notFound(resourceName, "\(name)/\(subresource!)") }
        if patch.kind == .apply {
            // The applied configuration converts like any partial object; ownership is tracked on the stored version.
            let warnings = try admission.fieldWarnings(patch.body, message: info.protobufMessage, options: options)
            let converted = PatchRequest(kind: .apply, body: try conversion.toStorage(patch.body))
            return try served(try await storage.patch(namespace: namespace, name: name, patch: converted, subresource: subresource,
                                                      options: storageOptions(options)), warnings: warnings)
        }
        // Patch the served form of the current object, then update with its resourceVersion as
        // precondition; a concurrent write means patching again, as for any patch.
        for _ in 0..<16 {
            let current = try JSONValue(parsing: try served(try await storage.get(namespace: namespace, name: name, subresource: nil)))
            let rv = current["metadata"]?["resourceVersion"]
            var patched = try PatchApplier.apply(patch, to: current, message: info.protobufMessage)
            let pinned = patched["metadata"]?["resourceVersion"] != rv
            if patched["metadata"]?["resourceVersion"] == nil { patched["metadata"]?["resourceVersion"] = rv }
            do {
                return try await update(namespace: namespace, name: name, body: patched, subresource: subresource, options: options)
            } catch let e as APIError where e.code == 409 && !pinned {
                continue
            }
        }
        throw APIError.conflict(resourceName, name, "too many concurrent writes; try again")
    }

    func delete(namespace: String?, name: String, options: DeleteOptions) async throws -> WriteResult {
        try served(try await storage.delete(namespace: namespace, name: name, options: options))
    }

    func table(_ objects: [CachedObject], includeObject: String, wide: Bool) -> JSONValue {
        TableBuilder.table(strategy: strategy, objects: objects, includeObject: includeObject, wide: wide)
    }
}
