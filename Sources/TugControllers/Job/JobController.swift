import Foundation
import Logging
import TugAPI
import TugClient

/// Runs Jobs to completion as Kubernetes' job controller (1.31+ semantics): keeps up to
/// `parallelism` pods running until `completions` succeed (or, without completions, until one
/// succeeds and none is active), numbers pods of Indexed Jobs, fails the Job past
/// `backoffLimit` or `activeDeadlineSeconds`, deletes pods of a suspended Job, and deletes a
/// finished Job after `ttlSecondsAfterFinished`. Finished pods are counted exactly once through
/// the `batch.kubernetes.io/job-tracking` finalizer and `status.uncountedTerminatedPods`; the
/// terminal condition (Complete/Failed) follows the interim one (SuccessCriteriaMet/
/// FailureTarget) once no pod of the Job is still terminating.
public struct JobController: Controller {
    public let name = "job"
    public let queue = WorkQueue()
    let client: APIClient
    let jobs: Informer<BatchV1.Job>
    let pods: Informer<CoreV1.Pod>
    let expectations = Expectations()
    /// Pods whose finalizer this controller removed and whose update the informer has not shown
    /// yet, and the last status it wrote per Job.
    let removals = FinalizerRemovals()
    let logger: Logger
    let now: @Sendable () -> Date
    /// Delay before replacing a failed pod, doubling per consecutive failure up to `maxPodBackoff`.
    let podBackoff: TimeInterval
    let maxPodBackoff: TimeInterval
    /// At most this many pods created or deleted per sync.
    let burst = 500

    static let trackingFinalizer = "batch.kubernetes.io/job-tracking"
    static let completionIndex = "batch.kubernetes.io/job-completion-index"
    static let orphanPrefix = "orphan-pod:"
    static let component = "job-controller"

    public init(client: APIClient, jobs: Informer<BatchV1.Job>, pods: Informer<CoreV1.Pod>, logger: Logger,
                now: @escaping @Sendable () -> Date = { Date() }, podBackoff: TimeInterval = 10, maxPodBackoff: TimeInterval = 360) {
        self.client = client
        self.jobs = jobs
        self.pods = pods
        self.logger = logger
        self.now = now
        self.podBackoff = podBackoff
        self.maxPodBackoff = maxPodBackoff
    }

    static func hasFinalizer(_ p: CoreV1.Pod) -> Bool { p.metadata.finalizers?.contains(trackingFinalizer) == true }

    static func jobKey(_ p: CoreV1.Pod) -> String? {
        guard let ref = OwnerRefs.controller(of: p.metadata), ref.kind == "Job", ref.apiVersion == "batch/v1", let name = ref.name else { return nil }
        return Informer<BatchV1.Job>.key(namespace: p.metadata.namespace, name: name)
    }

    public func start() async {
        let queue = self.queue, expectations = self.expectations, removals = self.removals, pods = self.pods, jobs = self.jobs
        await pods.addIndex(IndexNames.controller) { OwnerRefs.controllerUIDs($0.metadata) }
        @Sendable func orphanCheck(_ p: CoreV1.Pod) async {
            guard Self.hasFinalizer(p) else { return }
            if let key = Self.jobKey(p), await jobs.get(key)?.metadata.uid == OwnerRefs.controller(of: p.metadata)?.uid { return }
            await queue.add(Self.orphanPrefix + Informer<CoreV1.Pod>.key(p))
        }
        await jobs.addHandler { event in
            switch event {
            case .added(let j), .updated(_, let j): await queue.add(Informer<BatchV1.Job>.key(j))
            case .deleted(let j):
                let key = Informer<BatchV1.Job>.key(j)
                await expectations.forget(key)
                await removals.forget(key)
                // Its pods may still carry the tracking finalizer; nobody else removes it.
                for p in await pods.byIndex(IndexNames.controller, j.metadata.uid ?? "") where Self.hasFinalizer(p) {
                    await queue.add(Self.orphanPrefix + Informer<CoreV1.Pod>.key(p))
                }
            }
        }
        await pods.addHandler { event in
            switch event {
            case .added(let p):
                if let key = Self.jobKey(p) {
                    await expectations.observedAdd(key)
                    await queue.add(key)
                }
                await orphanCheck(p)
            case .updated(let old, let new):
                if let key = Self.jobKey(new) {
                    if old.metadata.deletionTimestamp == nil, new.metadata.deletionTimestamp != nil { await expectations.observedDelete(key) }
                    if !Self.hasFinalizer(new) { await removals.observed(key, uid: new.metadata.uid ?? "") }
                    await queue.add(key)
                }
                await orphanCheck(new)
            case .deleted(let p):
                if let key = Self.jobKey(p) {
                    if p.metadata.deletionTimestamp == nil { await expectations.observedDelete(key) }
                    await removals.observed(key, uid: p.metadata.uid ?? "")
                    await queue.add(key)
                }
            }
        }
    }

    public func sync(_ key: String) async throws {
        if key.hasPrefix(Self.orphanPrefix) { return try await syncOrphanPod(String(key.dropFirst(Self.orphanPrefix.count))) }
        guard var job = await jobs.get(key), let uid = job.metadata.uid else {
            await expectations.forget(key)
            await removals.forget(key)
            return
        }
        if let written = await removals.written(key), let cached = Int64(job.metadata.resourceVersion ?? ""), cached < written {
            // The cache has not caught up with this controller's last status write: acting on the
            // older status would redo (or undo) what that write recorded.
            do { job = try await client.get(BatchV1.Job.self, namespace: job.metadata.namespace, name: job.metadata.name ?? "") } catch let e as APIError where e.code == 404 {
                return
            }
        }
        let owned = await pods.byIndex(IndexNames.controller, uid)
        if JobConditions.isFinished(job) {
            // Pods that finished after the Job did (or whose finalizer removal failed) are released.
            let removing = await removals.pending(key)
            _ = try await removeFinalizers(owned.filter { Self.hasFinalizer($0) && !removing.contains($0.metadata.uid ?? "") }, key: key)
            try await expireIfDue(job, key: key)
            return
        }
        try await syncUnfinished(job, key: key, pods: owned)
    }

    /// The sync of a Job that has no terminal condition yet.
    func syncUnfinished(_ job: BatchV1.Job, key: String, pods all: [CoreV1.Pod]) async throws {
        let now = self.now()
        let spec = job.spec ?? BatchV1.JobSpec()
        let suspended = spec.suspend == true
        var status = job.status ?? BatchV1.JobStatus()
        if status.startTime == nil && !suspended { status.startTime = Time(now) }
        let satisfied = await expectations.satisfied(key)
        var tally = JobTally(job: job, status: status, pods: all, removing: await removals.pending(key))

        // What the Job is heading for: failure first, as Kubernetes checks it.
        var target: BatchV1.JobCondition?
        if let ft = JobConditions.find(job, "FailureTarget") {
            target = JobConditions.make("Failed", reason: ft.reason, message: ft.message, now: now)
        } else if let message = tally.failJob {
            target = JobConditions.make("FailureTarget", reason: "PodFailurePolicy", message: message, now: now)
        } else if tally.failedTotal > (spec.backoffLimit ?? 6) || Self.pastBackoffLimitOnFailure(spec, active: tally.active) {
            target = JobConditions.make("FailureTarget", reason: "BackoffLimitExceeded", message: "Job has reached the specified backoff limit", now: now)
        } else if let deadline = spec.activeDeadlineSeconds, let start = status.startTime?.date, !suspended {
            let left = start.addingTimeInterval(TimeInterval(deadline)).timeIntervalSince(now)
            if left <= 0 {
                target = JobConditions.make("FailureTarget", reason: "DeadlineExceeded", message: "Job was active longer than specified deadline", now: now)
            } else {
                await queue.add(key, after: .milliseconds(Int64(left * 1000) + 10))
            }
        }
        var activeCount = tally.active.count
        var blocked = false
        var events: [(reason: String, message: String)] = []
        if target != nil {
            // Failing: every active pod goes; the Job is Failed once they are gone.
            let deleted = try await deletePods(job, key: key, tally.active)
            blocked = deleted != tally.active.count || !satisfied
            activeCount -= deleted
            tally.terminating += deleted
        } else {
            var managed = false
            if satisfied && job.metadata.deletionTimestamp == nil {
                activeCount = try await manage(job, key: key, tally: &tally, now: now)
                managed = true
            }
            let complete: Bool
            if let existing = JobConditions.find(job, "SuccessCriteriaMet") {
                complete = true
                target = JobConditions.make("SuccessCriteriaMet", reason: existing.reason, message: existing.message, now: now)
            } else if let completions = spec.completions {
                complete = tally.succeededTotal >= completions && activeCount == 0
            } else {
                complete = tally.succeededTotal > 0 && activeCount == 0
            }
            if complete && target == nil {
                target = JobConditions.make("SuccessCriteriaMet", reason: "CompletionsReached", message: "Reached expected number of succeeded pods", now: now)
            } else if !complete && managed {
                if let e = Self.updateSuspended(&status, suspended: suspended, now: now) { events.append(e) }
            }
        }
        status.active = activeCount
        status.ready = tally.active.filter(PodState.isReady).count
        status.terminating = tally.terminating
        try await flush(job, key: key, status: status, tally: tally, target: target, blocked: blocked, events: events, now: now)
    }

    /// Suspended=True (pods deleted) or, on resume, Suspended=False with a fresh startTime so the
    /// active deadline counts from the resume; the event to record once that is written.
    static func updateSuspended(_ status: inout BatchV1.JobStatus, suspended: Bool, now: Date) -> (reason: String, message: String)? {
        var conditions = status.conditions ?? []
        var event: (reason: String, message: String)?
        if suspended {
            if JobConditions.ensure(&conditions, "Suspended", "True", reason: "JobSuspended", message: "Job suspended", now: now) {
                event = ("Suspended", "Job suspended")
            }
        } else if JobConditions.ensure(&conditions, "Suspended", "False", reason: "JobResumed", message: "Job resumed", now: now) {
            event = ("Resumed", "Job resumed")
            status.startTime = Time(now)
        }
        status.conditions = conditions.isEmpty ? nil : conditions
        return event
    }

    /// With restartPolicy OnFailure the kubelet restarts failing containers in place; their
    /// restarts count against the backoff limit.
    static func pastBackoffLimitOnFailure(_ spec: BatchV1.JobSpec, active: [CoreV1.Pod]) -> Bool {
        guard spec.template?.spec?.restartPolicy == "OnFailure" else { return false }
        let restarts = active.filter { ["Running", "Pending"].contains($0.status?.phase ?? "Pending") }.reduce(0) { sum, p in
            sum + (p.status?.initContainerStatuses ?? []).reduce(0) { $0 + ($1.restartCount ?? 0) }
                + (p.status?.containerStatuses ?? []).reduce(0) { $0 + ($1.restartCount ?? 0) }
        }
        let limit = spec.backoffLimit ?? 6
        return limit == 0 ? restarts > 0 : restarts >= limit
    }

    /// Deletes a finished Job once `ttlSecondsAfterFinished` has passed (its pods follow by
    /// background propagation), or comes back when it will have.
    func expireIfDue(_ job: BatchV1.Job, key: String) async throws {
        guard let ttl = job.spec?.ttlSecondsAfterFinished, job.metadata.deletionTimestamp == nil,
              let finished = JobConditions.finishTime(job) else { return }
        let left = finished.addingTimeInterval(TimeInterval(ttl)).timeIntervalSince(now())
        if left > 0 {
            await queue.add(key, after: .milliseconds(Int64(left * 1000) + 10))
            return
        }
        do {
            try await client.delete(BatchV1.Job.self, namespace: job.metadata.namespace, name: job.metadata.name ?? "",
                                    propagationPolicy: "Background", preconditionUID: job.metadata.uid)
        } catch let e as APIError where e.code == 404 || e.code == 409 {}
    }
}
