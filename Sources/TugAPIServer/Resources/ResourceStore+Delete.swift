import Foundation
import TugAPI
import TugStore

extension ResourceStore {
    /// DELETE: graceful for bound pods, pending while finalizers remain, immediate otherwise.
    public func delete(namespace: String?, name: String, options: DeleteOptions) async throws -> WriteResult {
        for _ in 0..<16 {
            let cur = try await load(namespace, name)
            var obj = cur.object
            if let uid = options.preconditionUID, uid != obj.metadata.uid {
                throw APIError.conflict(resourceName, name, "Precondition failed: UID in precondition: \(uid), UID in object meta: \(obj.metadata.uid ?? "")")
            }
            if let rv = options.preconditionResourceVersion, rv != String(cur.revision) {
                throw APIError.conflict(resourceName, name, "Precondition failed: ResourceVersion in precondition: \(rv), ResourceVersion in object meta: \(cur.revision)")
            }
            let grace = strategy.gracePeriod(for: obj, requested: options.gracePeriodSeconds)
            var finalizers = obj.metadata.finalizers ?? []
            switch options.propagationPolicy {
            case "Orphan": if !finalizers.contains("orphan") { finalizers.append("orphan") }
            case "Foreground": if !finalizers.contains("foregroundDeletion") { finalizers.append("foregroundDeletion") }
            default: break
            }
            if grace == 0 && finalizers.isEmpty && !strategy.hasPendingFinalization(obj) {
                if options.dryRun { return try respond(obj, revision: cur.revision, code: 200) }
                do {
                    let r = try await store.delete(key(namespace, name), expectedRevision: cur.revision)
                    await forgetAllocations(key: key(namespace, name))
                    return WriteResult(bytes: ObjectBytes.withResourceVersion(r.deleted.value, r.revision), code: 200)
                } catch StoreError.conflict { continue } catch StoreError.notFound { throw APIError.notFound(resourceName, name) }
            }
            // Mark for deletion: the node agent (grace) or the finalizers' owners finish it.
            let now = Date()
            if let existing = obj.metadata.deletionTimestamp {
                // Already terminating: only a shorter grace period changes anything.
                let remaining = Int(existing.date.timeIntervalSince(now).rounded(.up))
                if grace >= max(remaining, 0), finalizers == (obj.metadata.finalizers ?? []) {
                    return try respond(obj, revision: cur.revision, code: 202)
                }
            }
            obj.metadata.finalizers = finalizers.isEmpty ? nil : finalizers
            obj.metadata.deletionTimestamp = Time(now.addingTimeInterval(TimeInterval(grace)))
            obj.metadata.deletionGracePeriodSeconds = grace
            strategy.prepareForDeletion(&obj)
            if options.dryRun { return try respond(obj, revision: cur.revision, code: 202) }
            let bytes = try encodeForStore(obj)
            do {
                let rev = try await store.update(key(namespace, name), bytes, expectedRevision: cur.revision)
                return WriteResult(bytes: ObjectBytes.withResourceVersion(bytes, rev), code: 200)
            } catch StoreError.conflict { continue } catch StoreError.notFound { throw APIError.notFound(resourceName, name) }
        }
        throw APIError.conflict(resourceName, name, "too many concurrent writes; try again")
    }
}

