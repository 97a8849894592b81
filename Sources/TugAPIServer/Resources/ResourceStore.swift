import Foundation
import TugAPI
import TugStore

/// Serves one resource over the store: admission (defaults, validation), metadata rules,
/// optimistic concurrency and the watch cache. Per-kind behaviour comes from the strategy.
public final class ResourceStore<S: ResourceStrategy>: ResourceHandler {
    public typealias Object = S.Object
    public let strategy: S
    public let store: any Store
    public let cache: WatchCache
    let admission: AdmissionContext

    public var info: ResourceInfo { strategy.info }
    var resourceName: GroupResourceName { GroupResourceName(group: info.group, resource: info.resource) }
    public var selectableFieldNames: [String] {
        (info.namespaced ? ["metadata.name", "metadata.namespace"] : ["metadata.name"]) + strategy.selectableFieldNames
    }

    init(strategy: S, store: any Store, dispatcher: CacheDispatcher, admission: AdmissionContext) {
        self.strategy = strategy
        self.store = store
        self.admission = admission
        // What selectors look at, once per event. Most kinds select on labels only, which a
        // plain parse gives without decoding the typed object.
        let labelsOnly = strategy.selectableFieldNames.isEmpty
        self.cache = dispatcher.makeCache(info: strategy.info) { bytes, revision, written in
            if labelsOnly, written == nil {
                let labels = (try? JSONReader.parse(bytes))?["metadata"]?["labels"]?.objectValue
                return ObjectAttributes(labels: labels?.compactMapValues(\.stringValue) ?? [:])
            }
            guard var obj = (written as? S.Object) ?? (try? APICoding.decode(S.Object.self, from: bytes)) else { return ObjectAttributes(labels: [:]) }
            obj.metadata.resourceVersion = String(revision)
            return ObjectAttributes(labels: obj.metadata.labels ?? [:], fields: strategy.selectableFields(obj), typed: obj)
        }
    }

    func key(_ namespace: String?, _ name: String) -> String {
        info.namespaced ? "\(info.storePrefix)\(namespace ?? "")/\(name)" : "\(info.storePrefix)\(name)"
    }

    // MARK: reading

    struct Current {
        var object: Object
        var revision: Int64
    }

    func load(_ namespace: String?, _ name: String) async throws -> Current {
        guard let v = try await store.get(key(namespace, name)) else { throw APIError.notFound(resourceName, name) }
        return Current(object: try decodeStored(v.value, revision: v.modRevision), revision: v.modRevision)
    }

    func decodeStored(_ bytes: [UInt8], revision: Int64) throws -> Object {
        var o = try APICoding.decode(Object.self, from: Data(bytes))
        o.metadata.resourceVersion = String(revision)
        return o
    }

    /// The bytes stored for an object.
    func encodeForStore(_ obj: Object) throws -> [UInt8] { try APICoding.encodeBytes(storedForm(obj)) }

    /// The object as stored: type meta set, no resourceVersion (the revision is the resourceVersion).
    func storedForm(_ obj: Object) -> Object {
        var o = obj
        o.setTypeMeta()
        o.metadata.resourceVersion = nil
        o.metadata.selfLink = nil
        return o
    }

    func respond(_ obj: Object, revision: Int64?, code: Int, warnings: [String] = []) throws -> WriteResult {
        let bytes = try encodeForStore(obj)
        return WriteResult(bytes: revision.map { ObjectBytes.withResourceVersion(bytes, $0) } ?? bytes, code: code, warnings: warnings)
    }

    public func get(namespace: String?, name: String, subresource: String?) async throws -> [UInt8] {
        switch subresource {
        case nil, "status":
            guard let v = try await store.get(key(namespace, name)) else { throw APIError.notFound(resourceName, name) }
            return ObjectBytes.withResourceVersion(v.value, v.modRevision)
        case "scale":
            let cur = try await load(namespace, name)
            return try scaleBytes(cur.object)
        default:
            throw APIError.notFound(resourceName, "\(name)/\(subresource!)")
        }
    }

    // MARK: create

    public func create(namespace: String?, body: JSONValue, options: WriteOptions) async throws -> WriteResult {
        var obj = try decodeBody(body, namespace: namespace, options: options)
        var warnings = try fieldWarnings(body, options: options)
        if obj.metadata.name?.isEmpty ?? true, let prefix = obj.metadata.generateName, !prefix.isEmpty {
            obj.metadata.name = NameGenerator.generate(prefix: prefix)
        }
        try await admitCreate(&obj, options: options)
        warnings += admission.fieldManager.recordCreate(&obj, manager: options.fieldManager)
        return try await insert(obj, options: options, warnings: warnings)
    }

    /// Defaults, metadata rules and validation for a new object.
    func admitCreate(_ obj: inout Object, options: WriteOptions) async throws {
        let name = obj.metadata.name ?? ""
        if name.isEmpty {
            throw APIError.invalid(kind: info.kind, group: info.group, name: "",
                                   [.required("metadata.name", "name or generateName is required")])
        }
        if info.namespaced { try await admission.requireActiveNamespace(obj.metadata.namespace ?? "") }
        obj.metadata.uid = UUID().uuidString.lowercased()
        obj.metadata.creationTimestamp = Time.now()
        obj.metadata.deletionTimestamp = nil
        obj.metadata.deletionGracePeriodSeconds = nil
        obj.metadata.generation = strategy.tracksGeneration ? 1 : nil
        if var pod = obj as? CoreV1.Pod {
            try await admission.resolvePriority(&pod)
            obj = pod as! Object
        }
        strategy.applyDefaults(&obj)
        strategy.prepareForCreate(&obj)
        let errs = strategy.createErrors(obj)
        if !errs.isEmpty { throw APIError.invalid(kind: info.kind, group: info.group, name: name, errs) }
    }

    func insert(_ obj: Object, options: WriteOptions, warnings: [String]) async throws -> WriteResult {
        var obj = obj
        let name = obj.metadata.name ?? ""
        let k = key(obj.metadata.namespace, name)
        if options.dryRun {
            if try await store.get(k) != nil { throw APIError.alreadyExists(resourceName, name) }
            _ = try await reserveAllocations(&obj, key: k, dryRun: true)
            return WriteResult(bytes: try encodeForStore(obj), code: 201, warnings: warnings)
        }
        let reservation = try await reserveAllocations(&obj, key: k, dryRun: false)
        let bytes: [UInt8]
        do { bytes = try encodeForStore(obj) } catch {
            await settleAllocations(reservation, stored: nil)
            throw error
        }
        cache.expectWrite(k, bytes: bytes, object: storedForm(obj))
        do {
            let rev = try await store.create(k, bytes)
            await settleAllocations(reservation, stored: obj)
            return WriteResult(bytes: ObjectBytes.withResourceVersion(bytes, rev), code: 201, warnings: warnings)
        } catch StoreError.alreadyExists {
            cache.forgetWrite(k)
            await settleAllocations(reservation, stored: nil)
            throw APIError.alreadyExists(resourceName, name)
        } catch {
            cache.forgetWrite(k)
            await settleAllocations(reservation, stored: nil)
            throw error
        }
    }

    /// Body → typed object, checking kind, apiVersion and namespace against the request path.
    func decodeBody(_ body: JSONValue, namespace: String?, options: WriteOptions, expectKind: String? = nil) throws -> Object {
        try admission.decodeBody(body, as: Object.self, info: info, namespace: namespace, expectKind: expectKind)
    }

    /// Unknown fields: 400 under Strict, `Warning` headers under Warn.
    func fieldWarnings(_ body: JSONValue, options: WriteOptions, message: String? = nil) throws -> [String] {
        try admission.fieldWarnings(body, message: message ?? info.protobufMessage, options: options)
    }

    // MARK: update

    public func update(namespace: String?, name: String, body: JSONValue, subresource: String?, options: WriteOptions) async throws -> WriteResult {
        switch subresource {
        case nil:
            let warnings = try fieldWarnings(body, options: options)
            let new = try decodeBody(body, namespace: namespace, options: options)
            try checkName(new, name)
            return try await write(namespace: namespace, name: name, options: options, warnings: warnings,
                                   allowCreate: strategy.allowCreateOnUpdate, precondition: new.metadata.resourceVersion) { _ in new }
        case "status":
            let new = try decodeBody(body, namespace: namespace, options: options)
            try checkName(new, name)
            return try await writeStatus(namespace: namespace, name: name, options: options,
                                         precondition: new.metadata.resourceVersion) { _ in new }
        case "scale":
            return try await updateScale(namespace: namespace, name: name, options: options) { _ in body }
        case "finalize":
            let new = try decodeBody(body, namespace: namespace, options: options)
            try checkName(new, name)
            return try await write(namespace: namespace, name: name, options: options, allowCreate: false,
                                   precondition: new.metadata.resourceVersion, kind: .system) { old in
                guard let merged = self.strategy.prepareForFinalize(new, old: old) else {
                    throw APIError.notFound(self.resourceName, "\(name)/finalize")
                }
                let errs = self.strategy.validate(merged)
                if !errs.isEmpty { throw APIError.invalid(kind: self.info.kind, group: self.info.group, name: name, errs) }
                return merged
            }
        default:
            throw APIError.notFound(resourceName, "\(name)/\(subresource!)")
        }
    }

    func checkName(_ obj: Object, _ name: String) throws {
        if let n = obj.metadata.name, !n.isEmpty, n != name {
            throw APIError.badRequest("the name of the object (\(n)) does not match the name on the URL (\(name))")
        }
    }

    /// What a read-modify-write may change and how it is admitted.
    enum WriteKind: Equatable {
        /// The object itself, or its `scale` view (`subresource` names it in managedFields).
        case main(subresource: String? = nil)
        /// `status`: only the status (and the writer's managedFields) change.
        case status
        /// A system write (pod binding) that changes fields users may not; no strategy runs.
        case system
    }

    /// Read-modify-write with compare-and-swap. `change` builds the new object from the current
    /// one; without a resourceVersion precondition a conflicting concurrent write is retried.
    func write(namespace: String?, name: String, options: WriteOptions, warnings: [String] = [], allowCreate: Bool,
               precondition: String?, kind: WriteKind = .main(), change: (Object) throws -> Object) async throws -> WriteResult {
        for _ in 0..<16 {
            guard let v = try await store.get(key(namespace, name)) else {
                guard allowCreate else { throw APIError.notFound(resourceName, name) }
                let empty = try ObjectDecoding.decode(Object.self, from: ["metadata": ["name": .string(name)]])
                var obj = try change(empty)
                obj.metadata.name = name
                if info.namespaced { obj.metadata.namespace = namespace }
                try await admitCreate(&obj, options: options)
                _ = admission.fieldManager.recordCreate(&obj, manager: options.fieldManager)
                do { return try await insert(obj, options: options, warnings: warnings) } catch let e as APIError where e.reason == "AlreadyExists" { continue }
            }
            let old = try decodeStored(v.value, revision: v.modRevision)
            if let p = precondition, !p.isEmpty, p != String(v.modRevision) {
                throw APIError.conflict(resourceName, name, "the object has been modified; please apply your changes to the latest version and try again")
            }
            var new = try change(old)
            var reservation: ServiceAllocator.Reservation?
            switch kind {
            case .main(let subresource):
                try admitUpdate(&new, old: old, manager: options.fieldManager, subresource: subresource)
                reservation = try await reserveAllocations(&new, key: key(namespace, name), dryRun: options.dryRun)
            case .status:
                try admitStatusUpdate(&new, old: old, manager: options.fieldManager)
            case .system:
                new.setTypeMeta()
                new.metadata.resourceVersion = old.metadata.resourceVersion
            }
            let bytes: [UInt8]
            do { bytes = try encodeForStore(new) } catch {
                await settleAllocations(reservation, stored: nil)
                throw error
            }
            if bytes == v.value || options.dryRun {
                // No change: Kubernetes answers with the current object and writes nothing.
                await settleAllocations(reservation, stored: options.dryRun ? nil : new)
                return WriteResult(bytes: ObjectBytes.withResourceVersion(bytes, v.modRevision), code: 200, warnings: warnings)
            }
            do {
                if shouldDeleteDuringUpdate(new) {
                    let r = try await store.delete(key(namespace, name), expectedRevision: v.modRevision)
                    await settleAllocations(reservation, stored: nil)
                    await forgetAllocations(key: key(namespace, name))
                    return WriteResult(bytes: ObjectBytes.withResourceVersion(bytes, r.revision), code: 200, warnings: warnings)
                }
                cache.expectWrite(key(namespace, name), bytes: bytes, object: storedForm(new))
                let rev: Int64
                do {
                    rev = try await store.update(key(namespace, name), bytes, expectedRevision: v.modRevision)
                } catch {
                    cache.forgetWrite(key(namespace, name))
                    throw error
                }
                await settleAllocations(reservation, stored: new)
                return WriteResult(bytes: ObjectBytes.withResourceVersion(bytes, rev), code: 200, warnings: warnings)
            } catch StoreError.conflict {
                await settleAllocations(reservation, stored: nil)
                if let p = precondition, !p.isEmpty {
                    throw APIError.conflict(resourceName, name, "the object has been modified; please apply your changes to the latest version and try again")
                }
                continue
            } catch StoreError.notFound {
                await settleAllocations(reservation, stored: nil)
                continue
            } catch {
                await settleAllocations(reservation, stored: nil)
                throw error
            }
        }
        throw APIError.conflict(resourceName, name, "too many concurrent writes; try again")
    }

    /// Metadata an update may not change, defaults, generation and validation (Kubernetes'
    /// `BeforeUpdate`): system fields come from the stored object, a different uid is an error.
    func admitUpdate(_ new: inout Object, old: Object, manager: String?, subresource: String? = nil) throws {
        new.setTypeMeta()
        if (new.metadata.uid ?? "").isEmpty { new.metadata.uid = old.metadata.uid }
        new.metadata.creationTimestamp = old.metadata.creationTimestamp
        new.metadata.deletionTimestamp = old.metadata.deletionTimestamp
        new.metadata.deletionGracePeriodSeconds = old.metadata.deletionGracePeriodSeconds
        new.metadata.namespace = old.metadata.namespace
        new.metadata.resourceVersion = old.metadata.resourceVersion
        if new.metadata.managedFields == nil { new.metadata.managedFields = old.metadata.managedFields }
        // Clients cannot set generation; the strategy may still bump it in prepareForUpdate.
        new.metadata.generation = old.metadata.generation
        strategy.applyDefaults(&new)
        strategy.prepareForUpdate(&new, old: old)
        if strategy.tracksGeneration, new.metadata.generation == old.metadata.generation, SpecComparison.specChanged(new, old) {
            new.metadata.generation = (old.metadata.generation ?? 0) + 1
        }
        admission.fieldManager.recordUpdate(&new, old: old, manager: manager, subresource: subresource)
        let errs = strategy.updateErrors(new, old: old)
        if !errs.isEmpty { throw APIError.invalid(kind: info.kind, group: info.group, name: new.metadata.name ?? "", errs) }
    }

    /// `status` writes: the strategy copies the status onto the stored object; metadata stays as
    /// stored apart from the writer's managedFields entry (subresource `status`).
    func admitStatusUpdate(_ new: inout Object, old: Object, manager: String?) throws {
        let managed = new.metadata.managedFields
        var merged = strategy.prepareForStatusUpdate(new, old: old)
        merged.metadata = old.metadata
        merged.setTypeMeta()
        if managed != old.metadata.managedFields { merged.metadata.managedFields = managed }
        admission.fieldManager.recordUpdate(&merged, old: old, manager: manager, subresource: "status")
        let errs = strategy.validateStatusUpdate(merged, old: old)
        if !errs.isEmpty { throw APIError.invalid(kind: info.kind, group: info.group, name: old.metadata.name ?? "", errs) }
        new = merged
    }

    /// An object being deleted whose last finalizer was just removed goes away now.
    func shouldDeleteDuringUpdate(_ obj: Object) -> Bool {
        guard obj.metadata.deletionTimestamp != nil, obj.metadata.finalizers?.isEmpty ?? true,
              !strategy.hasPendingFinalization(obj) else { return false }
        return (obj.metadata.deletionGracePeriodSeconds ?? 0) == 0
    }

    func writeStatus(namespace: String?, name: String, options: WriteOptions, precondition: String?,
                     change: @escaping (Object) throws -> Object) async throws -> WriteResult {
        try await write(namespace: namespace, name: name, options: options, allowCreate: false,
                        precondition: precondition, kind: .status, change: change)
    }

    // MARK: tables

    public func table(_ objects: [CachedObject], includeObject: String, wide: Bool) -> JSONValue {
        TableBuilder.table(strategy: strategy, objects: objects, includeObject: includeObject, wide: wide)
    }
}
