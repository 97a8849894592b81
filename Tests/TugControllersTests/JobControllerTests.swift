import Foundation
import Testing
import TugAPI
import TugClient
@testable import TugControllers

@Suite struct JobControllerTests {
    @Test func completionsWithParallelism() async throws {
        let c = try await JobTestCluster()
        defer { c.stop() }
        let job = try await c.client.create(JobTestCluster.job("pi") { $0.completions = 3; $0.parallelism = 2 })
        try await c.eventually("2 pods") { try await c.active("pi").count == 2 }
        let first = try await c.active("pi")
        for p in first {
            #expect(p.metadata.generateName == "pi-")
            #expect(p.metadata.finalizers == ["batch.kubernetes.io/job-tracking"])
            #expect(p.metadata.labels?["batch.kubernetes.io/controller-uid"] == job.metadata.uid)
            #expect(p.metadata.labels?["job-name"] == "pi" && p.metadata.labels?["controller-uid"] == job.metadata.uid)
            #expect(OwnerRefs.controller(of: p.metadata)?.uid == job.metadata.uid)
        }
        try await c.eventually("status.active 2 and a start time") {
            let s = try await c.job("pi").status
            return s?.active == 2 && s?.startTime != nil
        }
        for p in first { try await c.finish(p, exitCode: 0) }
        // Only one more: 3 completions, 2 done.
        try await c.eventually("the third pod") { try await c.active("pi").count == 1 }
        try await c.eventually("2 succeeded, finalizers released") {
            let s = try await c.job("pi").status
            let released = try await c.pods(of: "pi").filter { $0.status?.phase == "Succeeded" }.allSatisfy { $0.metadata.finalizers == nil }
            return s?.succeeded == 2 && s?.active == 1 && released
        }
        #expect(try await c.pods(of: "pi").count == 3, "never more than completions")
        try await c.finish(try await c.active("pi")[0], exitCode: 0)
        try await c.eventually("Complete") { try await c.condition(c.job("pi"), "Complete") != nil }
        let done = try await c.job("pi")
        #expect(done.status?.succeeded == 3 && done.status?.failed == 0 && done.status?.active == 0)
        #expect(c.condition(done, "SuccessCriteriaMet")?.reason == "CompletionsReached")
        #expect(c.condition(done, "Complete")?.reason == "CompletionsReached")
        #expect(done.status?.completionTime != nil)
        #expect(done.status?.uncountedTerminatedPods?.succeeded == nil)
        #expect(try await c.events("SuccessfulCreate").count == 3)
        #expect(try await c.events("Completed").first?.message == "Job completed")
    }

    @Test func backoffLimitFailsTheJob() async throws {
        let c = try await JobTestCluster()
        defer { c.stop() }
        _ = try await c.client.create(JobTestCluster.job("flaky") { $0.backoffLimit = 1 })
        try await c.eventually("a pod") { try await c.active("flaky").count == 1 }
        try await c.finish(try await c.active("flaky")[0], exitCode: 1)
        // failed 1 is not over the limit of 1: a replacement comes (after the pod backoff).
        try await c.eventually("a replacement, 1 failed") {
            let failed = try await c.job("flaky").status?.failed
            return try await c.active("flaky").count == 1 && failed == 1
        }
        try await c.finish(try await c.active("flaky")[0], exitCode: 1)
        try await c.eventually("Failed") { try await c.condition(c.job("flaky"), "Failed") != nil }
        let failed = try await c.job("flaky")
        #expect(c.condition(failed, "Failed")?.reason == "BackoffLimitExceeded")
        #expect(c.condition(failed, "FailureTarget")?.reason == "BackoffLimitExceeded")
        #expect(c.condition(failed, "Complete") == nil && failed.status?.completionTime == nil)
        #expect(failed.status?.failed == 2 && failed.status?.active == 0)
        #expect(try await c.pods(of: "flaky").count == 2)
        #expect(try await c.events("BackoffLimitExceeded").first?.message == "Job has reached the specified backoff limit")
    }

    @Test func onFailureRestartsCountAgainstTheLimit() async throws {
        let c = try await JobTestCluster()
        defer { c.stop() }
        _ = try await c.client.create(JobTestCluster.job("retry") { $0.backoffLimit = 2; $0.template = JobTestCluster.template(restartPolicy: "OnFailure") })
        try await c.eventually("a pod") { try await c.active("retry").count == 1 }
        var p = try await c.active("retry")[0]
        var st = CoreV1.ContainerStatus()
        st.name = "work"
        st.restartCount = 2
        var s = CoreV1.PodStatus()
        s.phase = "Running"
        s.containerStatuses = [st]
        p.status = s
        _ = try await c.client.updateStatus(p)
        try await c.eventually("Failed") { try await c.condition(c.job("retry"), "Failed")?.reason == "BackoffLimitExceeded" }
        // The restarting pod was deleted, and counts as failed.
        #expect(try await c.pods(of: "retry").isEmpty)
        let retried = try await c.job("retry")
        #expect(retried.status?.failed == 1, "\(String(describing: retried.status))")
    }

    @Test func indexedJobCompletesEveryIndex() async throws {
        let c = try await JobTestCluster()
        defer { c.stop() }
        _ = try await c.client.create(JobTestCluster.job("idx") { $0.completions = 3; $0.parallelism = 3; $0.completionMode = "Indexed" })
        try await c.eventually("3 pods") { try await c.active("idx").count == 3 }
        var byIndex: [Int: CoreV1.Pod] = [:]
        for p in try await c.active("idx") {
            let ix = Int(p.metadata.annotations?["batch.kubernetes.io/job-completion-index"] ?? "") ?? -1
            byIndex[ix] = p
            #expect(p.metadata.labels?["batch.kubernetes.io/job-completion-index"] == "\(ix)")
            #expect(p.metadata.generateName == "idx-\(ix)-")
            #expect(p.spec?.hostname == "idx-\(ix)")
            let env = p.spec?.containers?.first?.env?.first { $0.name == "JOB_COMPLETION_INDEX" }
            #expect(env?.valueFrom?.fieldRef?.fieldPath == "metadata.annotations['batch.kubernetes.io/job-completion-index']")
        }
        #expect(Set(byIndex.keys) == [0, 1, 2])
        try await c.finish(byIndex[0]!, exitCode: 0)
        try await c.finish(byIndex[2]!, exitCode: 0)
        try await c.eventually("completedIndexes 0,2") { try await c.job("idx").status?.completedIndexes == "0,2" }
        // A failed index is retried with the same index.
        try await c.finish(byIndex[1]!, exitCode: 1)
        try await c.eventually("index 1 again") {
            try await c.active("idx").map { $0.metadata.annotations?["batch.kubernetes.io/job-completion-index"] } == ["1"]
        }
        try await c.finish(try await c.active("idx")[0], exitCode: 0)
        try await c.eventually("Complete") { try await c.condition(c.job("idx"), "Complete") != nil }
        let done = try await c.job("idx")
        #expect(done.status?.completedIndexes == "0-2" && done.status?.succeeded == 3 && done.status?.failed == 1)
    }

    @Test func activeDeadlineDeletesPodsAndFails() async throws {
        let c = try await JobTestCluster()
        defer { c.stop() }
        _ = try await c.client.create(JobTestCluster.job("slow") { $0.parallelism = 2; $0.completions = 4; $0.activeDeadlineSeconds = 1 })
        try await c.eventually("2 pods") { try await c.active("slow").count == 2 }
        try await c.eventually("Failed") { try await c.condition(c.job("slow"), "Failed") != nil }
        let failed = try await c.job("slow")
        #expect(c.condition(failed, "Failed")?.reason == "DeadlineExceeded")
        #expect(c.condition(failed, "Failed")?.message == "Job was active longer than specified deadline")
        #expect(failed.status?.active == 0 && failed.status?.failed == 2)
        #expect(try await c.pods(of: "slow").isEmpty, "the active pods were deleted")
        #expect(try await c.events("SuccessfulDelete").count == 2)
        #expect(try await !c.events("DeadlineExceeded").isEmpty)
    }

    @Test func suspendAndResume() async throws {
        let c = try await JobTestCluster()
        defer { c.stop() }
        _ = try await c.client.create(JobTestCluster.job("later") { $0.parallelism = 2; $0.completions = 2; $0.suspend = true })
        try await c.eventually("Suspended") { try await c.condition(c.job("later"), "Suspended")?.reason == "JobSuspended" }
        #expect(try await c.pods(of: "later").isEmpty)
        #expect(try await c.job("later").status?.startTime == nil)
        _ = try await c.client.patch(BatchV1.Job.self, namespace: "default", name: "later", ["spec": ["suspend": false]])
        try await c.eventually("2 pods") { try await c.active("later").count == 2 }
        try await c.eventually("resumed") {
            let j = try await c.job("later")
            return j.status?.conditions?.first { $0.type == "Suspended" }?.status == "False" && j.status?.startTime != nil
        }
        _ = try await c.client.patch(BatchV1.Job.self, namespace: "default", name: "later", ["spec": ["suspend": true]])
        try await c.eventually("pods deleted") { try await c.pods(of: "later").isEmpty }
        try await c.eventually("suspended again, nothing active") {
            let j = try await c.job("later")
            return c.condition(j, "Suspended") != nil && j.status?.active == 0
        }
        #expect(try await c.events("Resumed").count == 1)
    }

    @Test func workQueueStyleAndTTL() async throws {
        let c = try await JobTestCluster()
        defer { c.stop() }
        // No completions: done when one pod succeeded and none is still active.
        _ = try await c.client.create(JobTestCluster.job("queue") { $0.parallelism = 2; $0.ttlSecondsAfterFinished = 1 })
        try await c.eventually("2 pods") { try await c.active("queue").count == 2 }
        let pods = try await c.active("queue")
        try await c.finish(pods[0], exitCode: 0)
        try await c.eventually("1 succeeded") { try await c.job("queue").status?.succeeded == 1 }
        #expect(try await c.active("queue").count == 1, "no replacement once one succeeded")
        #expect(try await c.condition(c.job("queue"), "Complete") == nil)
        try await c.finish(pods[1], exitCode: 0)
        try await c.eventually("Complete") { try await c.condition(c.job("queue"), "Complete") != nil }
        // ttlSecondsAfterFinished: the Job goes a second later.
        try await c.eventually("deleted by its TTL") {
            do { _ = try await c.job("queue"); return false } catch let e as APIError where e.code == 404 { return true }
        }
    }

    @Test func podsOfADeletedJobLoseTheirFinalizer() async throws {
        let c = try await JobTestCluster()
        defer { c.stop() }
        _ = try await c.client.create(JobTestCluster.job("gone") { $0.parallelism = 2; $0.completions = 2 })
        try await c.eventually("2 pods") { try await c.active("gone").count == 2 }
        try await c.client.delete(BatchV1.Job.self, namespace: "default", name: "gone", propagationPolicy: "Background")
        try await c.eventually("finalizers removed") {
            let pods = try await c.pods(of: "gone")
            return pods.count == 2 && pods.allSatisfy { $0.metadata.finalizers == nil }
        }
    }

    /// podFailurePolicy: a FailJob rule on an exit code fails the Job at once (whatever the
    /// backoff limit); an Ignore rule on a pod condition does not count the failure.
    @Test func podFailurePolicyFailsOrIgnores() async throws {
        let c = try await JobTestCluster()
        defer { c.stop() }
        let rules = [
            BatchV1.PodFailurePolicyRule(action: "FailJob", onExitCodes: BatchV1.PodFailurePolicyOnExitCodesRequirement(operator: "In", values: [42])),
            BatchV1.PodFailurePolicyRule(action: "Ignore", onPodConditions: [BatchV1.PodFailurePolicyOnPodConditionsPattern(type: "DisruptionTarget")]),
        ]
        _ = try await c.client.create(JobTestCluster.job("fatal") { $0.backoffLimit = 6; $0.podFailurePolicy = BatchV1.PodFailurePolicy(rules: rules) })
        try await c.eventually("a pod") { try await c.active("fatal").count == 1 }
        let pod = try await c.active("fatal")[0]
        try await c.finish(pod, exitCode: 42)
        try await c.eventually("Failed") { try await c.condition(c.job("fatal"), "Failed") != nil }
        let failed = try await c.job("fatal")
        #expect(c.condition(failed, "Failed")?.reason == "PodFailurePolicy")
        #expect(c.condition(failed, "Failed")?.message
                == "Container work for pod default/\(pod.metadata.name ?? "") failed with exit code 42 matching FailJob rule at index 0")
        #expect(failed.status?.failed == 1)

        _ = try await c.client.create(JobTestCluster.job("evicted") { $0.backoffLimit = 0; $0.podFailurePolicy = BatchV1.PodFailurePolicy(rules: rules) })
        try await c.eventually("a pod") { try await c.active("evicted").count == 1 }
        var victim = try await c.client.get(CoreV1.Pod.self, namespace: "default", name: try await c.active("evicted")[0].metadata.name ?? "")
        var status = victim.status ?? CoreV1.PodStatus()
        status.phase = "Failed"
        status.conditions = [CoreV1.PodCondition(type: "DisruptionTarget", status: "True", reason: "PreemptionByScheduler")]
        victim.status = status
        _ = try await c.client.updateStatus(victim)
        // Ignored: not counted against backoffLimit 0, and replaced.
        try await c.eventually("a replacement") {
            let active = try await c.active("evicted")
            return active.count == 1 && active[0].metadata.uid != victim.metadata.uid
        }
        let job = try await c.job("evicted")
        #expect(c.condition(job, "Failed") == nil)
        #expect((job.status?.failed ?? 0) == 0)
    }
}
