import Foundation
import Testing
import TugAPI
@testable import TugAPIServer

@Suite struct StrategyJobTests {
    let strategy = JobStrategy(info: StrategyHarness.info("batch", "jobs"))
    let cronJobs = CronJobStrategy(info: StrategyHarness.info("batch", "cronjobs"))

    func job(restartPolicy: String = "Never", extra: [String: JSONValue] = [:]) -> JSONValue {
        var spec: [String: JSONValue] = [
            "template": ["spec": ["restartPolicy": .string(restartPolicy), "containers": [["name": "pi", "image": "perl:5.34"]]]],
        ]
        for (k, v) in extra { spec[k] = v }
        return ["apiVersion": "batch/v1", "kind": "Job", "metadata": ["name": "pi"], "spec": .object(spec)]
    }

    @Test func defaultsAndGeneratedSelector() throws {
        let (j, errs) = try StrategyHarness.create(strategy, job(), uid: "1234-abcd")
        #expect(errs.isEmpty)
        let spec = try #require(j.spec)
        #expect(spec.parallelism == 1)
        #expect(spec.completions == 1)
        #expect(spec.backoffLimit == 6)
        #expect(spec.completionMode == "NonIndexed")
        #expect(spec.suspend == false)
        #expect(spec.manualSelector == false)
        #expect(spec.podReplacementPolicy == "TerminatingOrFailed")
        #expect(spec.selector == MetaV1.LabelSelector(matchLabels: ["batch.kubernetes.io/controller-uid": "1234-abcd"]))
        #expect(spec.template?.metadata.labels == [
            "batch.kubernetes.io/controller-uid": "1234-abcd", "controller-uid": "1234-abcd",
            "batch.kubernetes.io/job-name": "pi", "job-name": "pi",
        ])
        #expect(j.status == BatchV1.JobStatus())
        let (parallel, _) = try StrategyHarness.create(strategy, job(extra: ["parallelism": 3]))
        #expect(parallel.spec?.completions == nil)
        #expect(parallel.spec?.parallelism == 3)
    }

    @Test func invalidJobs() throws {
        let (_, always) = try StrategyHarness.create(strategy, job(restartPolicy: "Always"))
        #expect(always.map(\.description) == ["spec.template.spec.restartPolicy: Required value: valid values: \"OnFailure\", \"Never\""])
        let (_, negative) = try StrategyHarness.create(strategy, job(extra: ["backoffLimit": -1, "completions": -2]))
        #expect(Set(negative.map(\.field)) == ["spec.backoffLimit", "spec.completions"])
        let (_, indexed) = try StrategyHarness.create(strategy, job(extra: ["completionMode": "Indexed", "parallelism": 2]))
        #expect(indexed.map(\.description) == ["spec.completions: Required value: when completion mode is Indexed"])
        let (_, manual) = try StrategyHarness.create(strategy, job(extra: ["manualSelector": true]))
        #expect(manual.map(\.field) == ["spec.selector", "spec.template.metadata.labels"])
        #expect(manual.first?.type == .required)
    }

    @Test func templateAndSelectorAreImmutable() throws {
        let (old, _) = try StrategyHarness.create(strategy, job())
        let (_, ok) = StrategyHarness.update(strategy, old: old) { j in
            j.spec?.parallelism = 4
            j.spec?.activeDeadlineSeconds = 100
        }
        #expect(ok.isEmpty)
        let (_, errs) = StrategyHarness.update(strategy, old: old) { j in
            j.spec?.template?.spec?.containers?[0].image = "perl:5.36"
            j.spec?.completions = 5
        }
        #expect(errs.map(\.field) == ["spec.completions", "spec.template"])
        #expect(errs.allSatisfy { $0.detail == "field is immutable" })
    }

    @Test func suspendedJobsMayMoveTheirPods() throws {
        var (old, _) = try StrategyHarness.create(strategy, job(extra: ["suspend": true]))
        old.status = BatchV1.JobStatus()
        let (_, errs) = StrategyHarness.update(strategy, old: old) { j in
            j.spec?.template?.spec?.nodeSelector = ["zone": "b"]
        }
        #expect(errs.isEmpty)
    }

    @Test func tableCells() throws {
        var (j, _) = try StrategyHarness.create(strategy, job(), uid: "u1")
        let t0 = StrategyHarness.t0
        j.status = BatchV1.JobStatus(
            conditions: [BatchV1.JobCondition(type: "Complete", status: "True")],
            startTime: Time(t0), completionTime: Time(t0.addingTimeInterval(75)), succeeded: 1)
        #expect(StrategyHarness.cells(strategy, j) == ["pi", "Complete", "1/1", "75s", "60m", "pi", "perl:5.34",
                                                       "batch.kubernetes.io/controller-uid=u1"])
        j.status = BatchV1.JobStatus(startTime: Time(t0))
        #expect(StrategyHarness.cells(strategy, j)[1...3] == ["Running", "0/1", "60m"])
        #expect(strategy.selectableFields(j) == ["status.successful": "0"])
    }

    @Test func cronJobDefaultsScheduleAndTable() throws {
        let cron: JSONValue = [
            "apiVersion": "batch/v1", "kind": "CronJob", "metadata": ["name": "hello"],
            "spec": ["schedule": "*/5 * * * *", "jobTemplate": ["spec": ["template": ["spec": [
                "restartPolicy": "OnFailure", "containers": [["name": "hello", "image": "busybox"]],
            ]]]]],
        ]
        let (c, errs) = try StrategyHarness.create(cronJobs, cron)
        #expect(errs.isEmpty)
        #expect(c.spec?.concurrencyPolicy == "Allow")
        #expect(c.spec?.suspend == false)
        #expect(c.spec?.successfulJobsHistoryLimit == 3)
        #expect(c.spec?.failedJobsHistoryLimit == 1)
        #expect(StrategyHarness.cells(cronJobs, c) == ["hello", "*/5 * * * *", "<none>", "False", "0", "<none>", "60m", "hello", "busybox", "<none>"])
        var bad = c
        bad.spec?.schedule = "61 * * * *"
        #expect(cronJobs.validate(bad).map(\.description) == ["spec.schedule: Invalid value: \"61 * * * *\": end of range (61) above maximum (59): 61"])
        bad.spec?.schedule = "* * *"
        #expect(cronJobs.validate(bad).first?.detail == "expected exactly 5 fields, found 3: [* * *]")
        bad.spec?.schedule = "@hourly"
        bad.spec?.timeZone = "Mars/Olympus"
        #expect(cronJobs.validate(bad).map(\.detail) == ["unknown time zone Mars/Olympus"])
    }

    @Test func cronScheduleParsing() throws {
        let s = try CronSchedule(parsing: "0,30 9-17/2 * jan-mar mon")
        #expect(s.fields[0] == [0, 30])
        #expect(s.fields[1] == [9, 11, 13, 15, 17])
        #expect(s.fields[3] == [1, 2, 3])
        #expect(s.fields[4] == [1])
        #expect(try CronSchedule(parsing: "@every 1h30m").every == 5400)
        #expect(throws: CronSchedule.ParseError(message: "failed to parse int from x: strconv.Atoi: parsing \"x\": invalid syntax")) {
            try CronSchedule(parsing: "x * * * *")
        }
    }
}
