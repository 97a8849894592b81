import Foundation
import Testing
import TugAPI
import TugClient
@testable import TugControllers

@Suite struct CronJobControllerTests {
    func cronJob(_ name: String, _ schedule: String, _ configure: (inout BatchV1.CronJobSpec) -> Void = { _ in }) -> BatchV1.CronJob {
        var cj = BatchV1.CronJob(metadata: MetaV1.ObjectMeta())
        cj.metadata.name = name
        cj.metadata.namespace = "default"
        var jobSpec = BatchV1.JobSpec()
        jobSpec.template = JobTestCluster.template()
        var template = BatchV1.JobTemplateSpec(metadata: MetaV1.ObjectMeta())
        template.metadata.labels = ["app": name]
        template.spec = jobSpec
        var spec = BatchV1.CronJobSpec(schedule: schedule)
        spec.jobTemplate = template
        configure(&spec)
        cj.spec = spec
        return cj
    }

    func jobs(_ c: JobTestCluster, _ app: String) async throws -> [BatchV1.Job] {
        try await c.client.list(BatchV1.Job.self, namespace: "default", labelSelector: "app=\(app)").items
            .sorted { ($0.metadata.name ?? "") < ($1.metadata.name ?? "") }
    }

    /// The first scheduled time after the CronJob's creation.
    func firstRun(_ cj: BatchV1.CronJob) throws -> Date {
        try CronSchedule(parsing: cj.spec?.schedule ?? "").next(after: cj.metadata.creationTimestamp!.date, in: TimeZone(identifier: "UTC")!)!
    }

    func run(_ c: JobTestCluster, _ clock: ManualClock, at date: Date, _ name: String) async {
        clock.advance(to: date)
        await c.cronJobController.queue.add("default/\(name)")
    }

    @Test func createsOnScheduleForbidsOverlapAndKeepsHistory() async throws {
        let clock = ManualClock()
        let c = try await JobTestCluster(clock: clock)
        defer { c.stop() }
        let cj = try await c.client.create(cronJob("tick", "*/5 * * * *") {
            $0.concurrencyPolicy = "Forbid"
            $0.successfulJobsHistoryLimit = 1
        })
        let b = try firstRun(cj)
        await run(c, clock, at: b.addingTimeInterval(10), "tick")
        let first = "tick-\(Int(b.timeIntervalSince1970 / 60))"
        try await c.eventually("the first Job") { try await jobs(c, "tick").map(\.metadata.name) == [first] }
        let job = try await jobs(c, "tick")[0]
        #expect(job.metadata.annotations?["batch.kubernetes.io/cronjob-scheduled-timestamp"] == RFC3339.format(b, fractionDigits: 0))
        #expect(OwnerRefs.controller(of: job.metadata)?.uid == cj.metadata.uid)
        try await c.eventually("status.active and lastScheduleTime") {
            let s = try await c.client.get(BatchV1.CronJob.self, namespace: "default", name: "tick").status
            return s?.active?.map(\.name) == [first] && s?.lastScheduleTime?.date == b
        }
        #expect(try await c.events("SuccessfulCreate").contains { $0.message == "Created job \(first)" })

        // Forbid: the next time comes while the first still runs.
        let b2 = b.addingTimeInterval(300)
        await run(c, clock, at: b2.addingTimeInterval(10), "tick")
        try await c.eventually("JobAlreadyActive") { try await !c.events("JobAlreadyActive").isEmpty }
        #expect(try await jobs(c, "tick").count == 1)

        // The first finishes: it leaves the active list, and the pending run starts.
        try await c.finish(try await c.active(first)[0], exitCode: 0)
        let second = "tick-\(Int(b2.timeIntervalSince1970 / 60))"
        try await c.eventually("the second Job") { try await jobs(c, "tick").map(\.metadata.name).contains(second) }
        try await c.eventually("SawCompletedJob, lastSuccessfulTime") {
            let s = try await c.client.get(BatchV1.CronJob.self, namespace: "default", name: "tick").status
            return try await !c.events("SawCompletedJob").isEmpty && s?.lastSuccessfulTime != nil
        }
        // History: one successful Job is kept, so the first goes when the second completes.
        try await c.eventually("second pod") { try await c.active(second).count == 1 }
        try await c.finish(try await c.active(second)[0], exitCode: 0)
        try await c.eventually("only the second is kept") { try await jobs(c, "tick").map(\.metadata.name) == [second] }
        #expect(try await c.events("SuccessfulDelete").contains { $0.message == "Deleted job \(first)" })
    }

    @Test func replaceAndStartingDeadline() async throws {
        let clock = ManualClock()
        let c = try await JobTestCluster(clock: clock)
        defer { c.stop() }
        let cj = try await c.client.create(cronJob("swap", "*/5 * * * *") { $0.concurrencyPolicy = "Replace" })
        let b = try firstRun(cj)
        await run(c, clock, at: b.addingTimeInterval(5), "swap")
        try await c.eventually("the first Job") { try await jobs(c, "swap").count == 1 }
        let first = try await jobs(c, "swap")[0].metadata.name!
        await run(c, clock, at: b.addingTimeInterval(305), "swap")
        let second = "swap-\(Int(b.addingTimeInterval(300).timeIntervalSince1970 / 60))"
        try await c.eventually("replaced") { try await jobs(c, "swap").map(\.metadata.name) == [second] }
        #expect(try await c.events("SuccessfulDelete").contains { $0.message == "Deleted job \(first)" })

        // With a starting deadline of 30 s, a run 2 minutes late does not start; the controller
        // comes back at the next time.
        let late = try await c.client.create(cronJob("late", "*/5 * * * *") { $0.startingDeadlineSeconds = 30 })
        let l = try firstRun(late)
        clock.advance(to: l.addingTimeInterval(120))
        try await c.eventually("cached") { try await c.client.get(BatchV1.CronJob.self, namespace: "default", name: "late").metadata.uid != nil }
        let current = try await c.client.get(BatchV1.CronJob.self, namespace: "default", name: "late")
        let again = try await c.cronJobController.reconcile(current)
        #expect(try await jobs(c, "late").isEmpty)
        #expect(again.map { abs(Double($0.components.seconds) - 180) <= 1 } == true)
        // Suspended: nothing runs and nothing is scheduled.
        _ = try await c.client.patch(BatchV1.CronJob.self, namespace: "default", name: "late", ["spec": ["suspend": true]])
        clock.advance(to: l.addingTimeInterval(310))
        var suspended = try await c.client.get(BatchV1.CronJob.self, namespace: "default", name: "late")
        suspended.spec?.suspend = true
        #expect(try await c.cronJobController.reconcile(suspended) == nil)
        #expect(try await jobs(c, "late").isEmpty)
    }
}
