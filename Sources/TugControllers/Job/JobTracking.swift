import Foundation
import TugAPI
import TugClient

/// Counting finished pods exactly once (Kubernetes' job tracking with finalizers): a finished
/// pod is first written to `status.uncountedTerminatedPods`, then loses the
/// `batch.kubernetes.io/job-tracking` finalizer, then moves into `succeeded`/`failed`.
extension JobController {
    /// Writes the sync's outcome: newly finished pods, released finalizers, counters, the
    /// interim condition and, once nothing is uncounted or terminating, the terminal one.
    func flush(_ job: BatchV1.Job, key: String, status: BatchV1.JobStatus, tally: JobTally, target: BatchV1.JobCondition?,
               blocked: Bool, events: [(reason: String, message: String)], now: Date) async throws {
        var status = status
        var conditions = status.conditions ?? []
        var final: BatchV1.JobCondition?
        switch target?.type {
        case "FailureTarget", "SuccessCriteriaMet":
            let t = target!
            JobConditions.ensure(&conditions, t.type ?? "", "True", reason: t.reason, message: t.message, now: now)
            final = JobConditions.make(t.type == "FailureTarget" ? "Failed" : "Complete", reason: t.reason, message: t.message, now: now)
        default:
            final = target
        }
        status.conditions = conditions.isEmpty ? nil : conditions
        var succeeded = tally.uncountedSucceeded + tally.newSucceeded.map { $0.metadata.uid ?? "" }
        var failed = tally.uncountedFailed + tally.newFailed.map { $0.metadata.uid ?? "" }
        if tally.indexed { status.completedIndexes = tally.completed.count == 0 ? nil : tally.completed.description }
        status.uncountedTerminatedPods = Self.uncounted(succeeded, failed)
        var current = job
        // 1. Written down before the finalizers go, so a crash in between loses nothing.
        if !tally.newSucceeded.isEmpty || !tally.newFailed.isEmpty {
            guard let written = try await writeStatus(current, status, key: key) else { return }
            current = written
        }
        // Recorded only once written: a sync whose write fails tells them again when retried.
        func record(_ job: BatchV1.Job) async {
            for e in events {
                await Events.record(client: client, regarding: job, type: "Normal", reason: e.reason, message: e.message, component: Self.component)
            }
        }
        // 2. Release them.
        let recorded = Set(succeeded + failed)
        let release = tally.tracked.filter { recorded.contains($0.metadata.uid ?? "") } + tally.releaseOnly
        let released = try await removeFinalizers(release, key: key)
        // 3. Count what no longer carries the finalizer.
        let stillTracked = Set(tally.tracked.map { $0.metadata.uid ?? "" }).subtracting(released)
        let doneSucceeded = succeeded.filter { !stillTracked.contains($0) }, doneFailed = failed.filter { !stillTracked.contains($0) }
        status.succeeded = tally.counted.succeeded + doneSucceeded.count
        status.failed = tally.counted.failed + doneFailed.count
        succeeded.removeAll { !stillTracked.contains($0) }
        failed.removeAll { !stillTracked.contains($0) }
        status.uncountedTerminatedPods = Self.uncounted(succeeded, failed)
        // 4. Finished once every pod is counted and none is still terminating.
        var finishedNow = false
        if let final, !blocked, succeeded.isEmpty, failed.isEmpty, (status.terminating ?? 0) == 0 {
            JobConditions.ensure(&conditions, final.type ?? "", "True", reason: final.reason, message: final.message, now: now)
            status.conditions = conditions
            if final.type == "Complete" { status.completionTime = Time(now) }
            finishedNow = true
        }
        guard status != current.status else {
            if current.metadata.resourceVersion != job.metadata.resourceVersion { await record(current) }
            return
        }
        guard let written = try await writeStatus(current, status, key: key) else { return }
        await record(written)
        if finishedNow {
            if final?.type == "Complete" {
                await Events.record(client: client, regarding: written, type: "Normal", reason: "Completed", message: "Job completed", component: Self.component)
            } else {
                await Events.record(client: client, regarding: written, type: "Warning", reason: final?.reason ?? "Failed",
                                    message: final?.message ?? "Job failed", component: Self.component)
            }
            if written.spec?.ttlSecondsAfterFinished != nil { await queue.add(key) }
        }
    }

    static func uncounted(_ succeeded: [String], _ failed: [String]) -> BatchV1.UncountedTerminatedPods {
        BatchV1.UncountedTerminatedPods(succeeded: succeeded.isEmpty ? nil : succeeded, failed: failed.isEmpty ? nil : failed)
    }

    /// The status write; a conflict is thrown (the sync is retried on the newer Job), nil when the Job is gone.
    func writeStatus(_ job: BatchV1.Job, _ status: BatchV1.JobStatus, key: String) async throws -> BatchV1.Job? {
        var updated = job
        updated.status = status
        do {
            let written = try await client.updateStatus(updated)
            await removals.wrote(key, resourceVersion: written.metadata.resourceVersion)
            return written
        } catch let e as APIError where e.code == 404 {
            return nil
        }
    }

    /// Removes the tracking finalizer from the pods; the uids that no longer carry it.
    func removeFinalizers(_ victims: [CoreV1.Pod], key: String?) async throws -> Set<String> {
        guard !victims.isEmpty else { return [] }
        let removals = self.removals
        return await withTaskGroup(of: String?.self) { group in
            for p in victims {
                group.addTask {
                    let uid = p.metadata.uid ?? ""
                    let rest = (p.metadata.finalizers ?? []).filter { $0 != Self.trackingFinalizer }
                    if let key { await removals.expect(key, uid: uid) }
                    do {
                        // uid and resourceVersion make the patch fail rather than drop a finalizer added meanwhile.
                        _ = try await client.patch(CoreV1.Pod.self, namespace: p.metadata.namespace, name: p.metadata.name ?? "",
                                                   ["metadata": ["finalizers": rest.isEmpty ? .null : .array(rest.map { .string($0) }),
                                                                 "uid": .string(uid), "resourceVersion": .string(p.metadata.resourceVersion ?? "")]])
                        return uid
                    } catch let e as APIError where e.code == 404 {
                        return uid
                    } catch {
                        if let key { await removals.observed(key, uid: uid) }
                        logger.debug("removing the job-tracking finalizer of \(p.metadata.name ?? ""): \(error)")
                        return nil
                    }
                }
            }
            return await group.reduce(into: Set<String>()) { if let uid = $1 { $0.insert(uid) } }
        }
    }

    /// A pod with the tracking finalizer whose Job is gone (or was replaced): release it so it can go.
    func syncOrphanPod(_ podKey: String) async throws {
        guard let pod = await pods.get(podKey), Self.hasFinalizer(pod) else { return }
        if let ref = OwnerRefs.controller(of: pod.metadata), ref.kind == "Job", let name = ref.name {
            let ns = pod.metadata.namespace
            if await jobs.get(namespace: ns, name: name)?.metadata.uid == ref.uid { return }
            do {
                // The cache may be behind a Job just created.
                if try await client.get(BatchV1.Job.self, namespace: ns, name: name).metadata.uid == ref.uid { return }
            } catch let e as APIError where e.code == 404 {}
        }
        if try await removeFinalizers([pod], key: nil).isEmpty {
            throw ControllerError.createFailed("could not remove the job-tracking finalizer of orphan pod \(podKey)")
        }
    }
}
