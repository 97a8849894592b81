import Foundation
import Logging
import TugAPI
import TugClient

/// Creates a Job from a CronJob's template at each time its schedule names, as Kubernetes'
/// cronjob controller: one Job per scheduled time, named `<cronjob>-<minutes since epoch>`;
/// `concurrencyPolicy` Allow/Forbid/Replace decides what happens while one runs; a start later
/// than `startingDeadlineSeconds` is missed; finished Jobs beyond the history limits are
/// deleted. The controller comes back at the next scheduled time (the clock is injectable).
public struct CronJobController: Controller {
    public let name = "cronjob"
    public let queue = WorkQueue()
    let client: APIClient
    let cronJobs: Informer<BatchV1.CronJob>
    let jobs: Informer<BatchV1.Job>
    let logger: Logger
    let now: @Sendable () -> Date

    static let scheduledTimestamp = "batch.kubernetes.io/cronjob-scheduled-timestamp"
    static let component = "cronjob-controller"
    /// More missed start times than this are not all looked at (and are reported).
    static let missedLimit = 100

    public init(client: APIClient, cronJobs: Informer<BatchV1.CronJob>, jobs: Informer<BatchV1.Job>, logger: Logger,
                now: @escaping @Sendable () -> Date = { Date() }) {
        self.client = client
        self.cronJobs = cronJobs
        self.jobs = jobs
        self.logger = logger
        self.now = now
    }

    public func start() async {
        let queue = self.queue
        await jobs.addIndex(IndexNames.controller) { OwnerRefs.controllerUIDs($0.metadata) }
        await cronJobs.addHandler { event in
            switch event {
            case .added(let c), .updated(_, let c), .deleted(let c): await queue.add(Informer<BatchV1.CronJob>.key(c))
            }
        }
        await jobs.addHandler { event in
            switch event {
            case .added(let j), .updated(_, let j), .deleted(let j):
                guard let ref = OwnerRefs.controller(of: j.metadata), ref.kind == "CronJob", let name = ref.name else { return }
                await queue.add(Informer<BatchV1.CronJob>.key(namespace: j.metadata.namespace, name: name))
            }
        }
    }

    public func sync(_ key: String) async throws {
        guard let cj = await cronJobs.get(key) else { return }
        if let delay = try await reconcile(cj) { await queue.add(key, after: delay) }
    }

    /// One pass over a CronJob; when to look at it again (nil: on its next change only).
    func reconcile(_ cj: BatchV1.CronJob) async throws -> Duration? {
        let now = self.now()
        let owned = await jobs.byIndex(IndexNames.controller, cj.metadata.uid ?? "")
        var status = try await trackChildren(cj, owned: owned)
        guard let current = try await writeStatus(cj, status) else { return nil }
        let spec = current.spec ?? BatchV1.CronJobSpec()
        guard current.metadata.deletionTimestamp == nil else { return nil }
        guard let parsed = await parse(current) else { return nil }
        let (schedule, zone) = parsed
        try await removeOldJobs(current, owned: owned)
        if spec.suspend == true { return nil }
        let (due, missed) = Self.mostRecent(current, now: now, schedule: schedule, zone: zone)
        if missed > Self.missedLimit {
            await event(current, "Warning", "TooManyMissedTimes",
                        "too many missed start times: \(missed). Set or decrease .spec.startingDeadlineSeconds or check clock skew")
        }
        let untilNext = Self.untilNext(schedule, zone: zone, now: now)
        guard let scheduled = due else { return untilNext }
        if let deadline = spec.startingDeadlineSeconds, scheduled.addingTimeInterval(TimeInterval(deadline)) < now {
            await event(current, "Warning", "MissSchedule", "Missed scheduled time to start a job: \(Self.rfc1123z(scheduled))")
            return untilNext
        }
        let jobName = Self.jobName(current, scheduled)
        var active = status.active ?? []
        if active.contains(where: { $0.name == jobName }) || current.status?.lastScheduleTime?.date == scheduled { return untilNext }
        switch spec.concurrencyPolicy ?? "Allow" {
        case "Forbid" where !active.isEmpty:
            await event(current, "Normal", "JobAlreadyActive", "Not starting job because prior execution is running and concurrency policy is Forbid")
            return untilNext
        case "Replace":
            for ref in active {
                do {
                    try await client.delete(BatchV1.Job.self, namespace: current.metadata.namespace, name: ref.name ?? "",
                                            propagationPolicy: "Background", preconditionUID: ref.uid)
                    await event(current, "Normal", "SuccessfulDelete", "Deleted job \(ref.name ?? "")")
                } catch let e as APIError where e.code == 404 {}
            }
            active = []
        default: break
        }
        let job: BatchV1.Job
        do {
            job = try await client.create(Self.job(current, name: jobName, scheduled: scheduled, zone: zone))
            await event(current, "Normal", "SuccessfulCreate", "Created job \(jobName)")
        } catch let e as APIError where e.code == 409 {
            // Made by an earlier pass whose status write was lost: take it as this run.
            let existing = try await client.get(BatchV1.Job.self, namespace: current.metadata.namespace, name: jobName)
            guard OwnerRefs.controller(of: existing.metadata)?.uid == current.metadata.uid else { throw e }
            job = existing
        } catch {
            await event(current, "Warning", "FailedCreate", "Error creating job: \(error)")
            throw error
        }
        if !JobConditions.isFinished(job), !active.contains(where: { $0.uid == job.metadata.uid }) { active.append(Self.reference(job)) }
        status = current.status ?? BatchV1.CronJobStatus()
        status.active = active.isEmpty ? nil : active
        status.lastScheduleTime = Time(scheduled)
        _ = try await writeStatus(current, status)
        return untilNext
    }

    /// Active list and last success from the owned Jobs: finished ones leave the list (SawCompletedJob),
    /// running ones it does not know are reported (UnexpectedJob), deleted ones are dropped.
    func trackChildren(_ cj: BatchV1.CronJob, owned: [BatchV1.Job]) async throws -> BatchV1.CronJobStatus {
        var status = cj.status ?? BatchV1.CronJobStatus()
        var active = status.active ?? []
        for job in owned {
            let uid = job.metadata.uid, name = job.metadata.name ?? ""
            let listed = active.contains { $0.uid == uid }
            let finished = JobConditions.isFinished(job)
            if !listed && !finished {
                await event(cj, "Warning", "UnexpectedJob", "Saw a job that the controller did not create or forgot: \(name)")
            } else if listed && finished {
                active.removeAll { $0.uid == uid }
                let condition = JobConditions.find(job, "Complete") != nil ? "Complete" : "Failed"
                await event(cj, "Normal", "SawCompletedJob", "Saw completed job: \(name), condition: \(condition)")
            }
            if JobConditions.find(job, "Complete") != nil, let done = job.status?.completionTime,
               status.lastSuccessfulTime.map({ $0 < done }) ?? true {
                status.lastSuccessfulTime = done
            }
        }
        let ownedUIDs = Set(owned.compactMap(\.metadata.uid))
        for ref in active where !ownedUIDs.contains(ref.uid ?? "") {
            // Not in the cache: gone, unless the cache is behind.
            do {
                if try await client.get(BatchV1.Job.self, namespace: cj.metadata.namespace, name: ref.name ?? "").metadata.uid == ref.uid { continue }
            } catch let e as APIError where e.code == 404 {}
            active.removeAll { $0.uid == ref.uid }
        }
        status.active = active.isEmpty ? nil : active
        return status
    }

    /// The schedule and its zone, or nil after a Warning event saying why it cannot run.
    func parse(_ cj: BatchV1.CronJob) async -> (CronSchedule, TimeZone)? {
        let spec = cj.spec ?? BatchV1.CronJobSpec()
        if let tz = spec.timeZone, TimeZone(identifier: tz) == nil {
            await event(cj, "Warning", "UnknownTimeZone", "invalid timeZone: \"\(tz)\": unknown time zone \(tz)")
            return nil
        }
        let text = spec.schedule ?? ""
        if text.contains("TZ") {
            await event(cj, "Warning", "UnsupportedSchedule", "CRON_TZ or TZ used in schedule \"\(text)\" is not officially supported, "
                        + "see https://kubernetes.io/docs/concepts/workloads/controllers/cron-jobs/ for more details")
        }
        do {
            let schedule = try CronSchedule(parsing: text)
            guard let zone = schedule.zone(spec.timeZone) else { return nil }
            return (schedule, zone)
        } catch {
            await event(cj, "Warning", "UnparseableSchedule", "unparseable schedule: \"\(text)\" : \(error.message)")
            return nil
        }
    }

    /// Deletes the oldest finished Jobs beyond `successfulJobsHistoryLimit` and `failedJobsHistoryLimit`.
    func removeOldJobs(_ cj: BatchV1.CronJob, owned: [BatchV1.Job]) async throws {
        let spec = cj.spec ?? BatchV1.CronJobSpec()
        func started(_ j: BatchV1.Job) -> Date { j.status?.startTime?.date ?? j.metadata.creationTimestamp?.date ?? .distantFuture }
        for (condition, limit) in [("Complete", spec.successfulJobsHistoryLimit), ("Failed", spec.failedJobsHistoryLimit)] {
            guard let limit else { continue }
            let finished = owned.filter { JobConditions.find($0, condition) != nil && $0.metadata.deletionTimestamp == nil }.sorted { started($0) < started($1) }
            for job in finished.prefix(max(0, finished.count - limit)) {
                do {
                    try await client.delete(BatchV1.Job.self, namespace: job.metadata.namespace, name: job.metadata.name ?? "",
                                            propagationPolicy: "Background", preconditionUID: job.metadata.uid)
                    await event(cj, "Normal", "SuccessfulDelete", "Deleted job \(job.metadata.name ?? "")")
                } catch let e as APIError where e.code == 404 || e.code == 409 {}
            }
        }
    }

    func writeStatus(_ cj: BatchV1.CronJob, _ status: BatchV1.CronJobStatus) async throws -> BatchV1.CronJob? {
        guard status != cj.status else { return cj }
        var updated = cj
        updated.status = status
        do {
            return try await client.updateStatus(updated)
        } catch let e as APIError where e.code == 404 {
            return nil
        }
    }

    func event(_ cj: BatchV1.CronJob, _ type: String, _ reason: String, _ message: String) async {
        await Events.record(client: client, regarding: cj, type: type, reason: reason, message: message, component: Self.component)
    }
}
