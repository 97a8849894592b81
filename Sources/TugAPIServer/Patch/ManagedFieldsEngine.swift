import Foundation
import TugAPI

/// Field ownership for one endpoint (a kind at an API version, maybe a subresource): server-side
/// apply and the tracking of ordinary writes in `metadata.managedFields`, as kube-apiserver's
/// field manager does it (including the `before-first-apply` owner, the `kubectl` migration from
/// client-side apply, stripped metadata fields and the cap of ten Update entries).
public struct ManagedFieldsEngine: Sendable {
    public var meta: (any PatchMeta)?
    /// `apps/v1`
    public var apiVersion: String
    /// `Deployment`; with `apiVersion` checked against an applied configuration when not empty.
    public var kind: String
    /// `""` for the main resource, `status` for the status subresource.
    public var subresource: String
    public var reset: ResetFields
    public var maxUpdateManagers = 10

    public static let lastAppliedAnnotation = "kubectl.kubernetes.io/last-applied-configuration"

    /// Paths no manager ever owns, whatever the operation.
    static let strippedPaths: [FieldPath] = [
        [.field("apiVersion")], [.field("kind")], [.field("metadata")],
    ] + ["name", "namespace", "creationTimestamp", "selfLink", "uid", "clusterName", "generation", "managedFields", "resourceVersion"]
        .map { [.field("metadata"), .field($0)] }

    public init(meta: (any PatchMeta)?, apiVersion: String, kind: String = "", subresource: String = "", reset: ResetFields? = nil) {
        self.meta = meta
        self.apiVersion = apiVersion
        self.kind = kind
        self.subresource = subresource
        self.reset = reset ?? (subresource == "status" ? .statusSubresource : subresource.isEmpty ? .mainResource : .none)
    }

    var updater: StructuredUpdater { StructuredUpdater(meta: meta, reset: reset) }

    // MARK: apply

    /// Server-side apply of `applied` onto `live` (nil: the object is being created) by `manager`.
    /// Returns the merged object and the new ownership records; throws a 409 listing every
    /// conflicting field unless `force`.
    public func apply(live: JSONValue?, applied: JSONValue, manager: String, force: Bool,
                      managedFields: [ManagedFieldsRecord], now: Date = Date()) throws -> (result: JSONValue, managedFields: [ManagedFieldsRecord]) {
        try checkApplied(applied)
        let liveObject = Self.withoutManagedFields(live ?? .object([:]))
        let managers = Self.sets(from: managedFields)
        let id = ManagerID(manager: manager, operation: ManagedFieldsRecord.apply, apiVersion: apiVersion, subresource: subresource)
        var out: (JSONValue, ManagedSets)
        do {
            out = try applyOnce(liveObject, applied, managers, id, force: force, now: now)
        } catch let c as ApplyConflicts {
            // kubectl moving from client-side to server-side apply: fields still as the
            // last-applied annotation says may be taken over silently.
            guard manager == "kubectl", let allowed = try? allowedByLastApplied(liveObject) else { throw c.apiError }
            let remaining = c.subtracting(allowed)
            guard remaining.isEmpty else { throw remaining.apiError }
            out = try applyOnce(liveObject, applied, managers, id, force: true, now: now)
        }
        var result = out.0
        if manager == "kubectl" { result = Self.updatingLastApplied(result, from: applied) }
        return (result, Self.records(from: out.1))
    }

    /// `apply` reading and writing `metadata.managedFields` of the objects themselves.
    public func apply(live: JSONValue?, applied: JSONValue, manager: String, force: Bool, now: Date = Date()) throws -> JSONValue {
        let records = (try? ManagedFieldsRecord.list(from: live?["metadata"]?["managedFields"])) ?? []
        let (result, mf) = try apply(live: live, applied: applied, manager: manager, force: force, managedFields: records, now: now)
        return Self.setting(mf, on: result)
    }

    private func applyOnce(_ live: JSONValue, _ applied: JSONValue, _ initial: ManagedSets, _ id: ManagerID,
                           force: Bool, now: Date) throws -> (JSONValue, ManagedSets) {
        var managers = initial
        if managers.isEmpty {
            // Fields set before anyone applied belong to a placeholder manager, so apply can
            // conflict with them and never silently prunes them.
            let first = ManagerID(manager: "before-first-apply", operation: ManagedFieldsRecord.update, apiVersion: apiVersion, subresource: subresource)
            try recordUpdate(old: .object([:]), new: live, managers: &managers, id: first, now: now)
        }
        let result = try updater.apply(live: live, config: applied, managers: &managers, manager: id, apiVersion: apiVersion, force: force)
        strip(&managers, id)
        managers[id]?.time = Time(now).rfc3339
        return (result, managers)
    }

    private func checkApplied(_ applied: JSONValue) throws {
        guard case .object(let o) = applied else {
            throw APIError.badRequest("error decoding patch: the applied configuration must be an object, not \(applied.goJSONTypeName)")
        }
        if !apiVersion.isEmpty && !kind.isEmpty {
            let v = o["apiVersion"]?.stringValue ?? "", k = o["kind"]?.stringValue ?? ""
            if v != apiVersion || k != kind {
                let gv = v.contains("/") ? v : "/" + v
                throw APIError.badRequest("invalid object type: \(gv), Kind=\(k)")
            }
        }
        if let mf = applied["metadata"]?["managedFields"], !mf.isNull {
            throw APIError.badRequest("metadata.managedFields must be nil")
        }
    }

    /// Fields of the last client-side apply the live object still matches.
    private func allowedByLastApplied(_ live: JSONValue) throws -> FieldSet {
        guard let text = live["metadata"]?["annotations"]?[Self.lastAppliedAnnotation]?.stringValue, !text.isEmpty else {
            throw FieldsV1Error("no last applied annotation")
        }
        let last = try JSONValue(parsing: Data(text.utf8))
        guard last["apiVersion"]?.stringValue == apiVersion else { throw FieldsV1Error("last applied version differs") }
        let cmp = try Comparison.between(last, live, meta)
        return try StructuredFieldSet.of(last, meta).subtracting(cmp.modified).subtracting(cmp.added).subtracting(cmp.removed)
    }

    /// kubectl's annotation follows a server-side apply when the object carries it.
    private static func updatingLastApplied(_ result: JSONValue, from applied: JSONValue) -> JSONValue {
        guard let current = result["metadata"]?["annotations"]?[lastAppliedAnnotation]?.stringValue, !current.isEmpty else { return result }
        var config = applied
        if var annotations = config["metadata"]?["annotations"]?.objectValue {
            annotations.removeValue(forKey: lastAppliedAnnotation)
            config["metadata"]?["annotations"] = .object(annotations)
        }
        var text = String(decoding: config.serialized(), as: UTF8.self) + "\n"
        text = text.replacingOccurrences(of: "<", with: "\\u003c").replacingOccurrences(of: ">", with: "\\u003e")
            .replacingOccurrences(of: "&", with: "\\u0026")
        var out = result
        out["metadata"]?["annotations"]?[lastAppliedAnnotation] = .string(text)
        return out
    }
}
