import Foundation
import Logging
import Synchronization
import Testing
import TugAPI
import TugAPIServer
import TugClient
import TugInProcess
import TugStore
@testable import TugControllers

/// A clock tests move by hand.
final class ManualClock: Sendable {
    private let value: Mutex<Date>
    init(_ start: Date = Date()) { value = Mutex(start) }
    var now: Date { value.withLock { $0 } }
    func advance(to date: Date) { value.withLock { $0 = date } }
}

/// An in-process API server with the Job and CronJob controllers on their own informers (no
/// scheduler, no nodes: tests set pod status by hand).
struct JobTestCluster {
    let client: APIClient
    let jobController: JobController
    let cronJobController: CronJobController
    let stopAll: @Sendable () -> Void

    init(clock: ManualClock? = nil, podBackoff: TimeInterval = 0.2) async throws {
        let logger = Logger(label: "test")
        let core = APIServerCore(store: MemoryStore(), serverAddress: "http://127.0.0.1:0", logger: logger)
        try await core.bootstrap()
        let dispatcher = core.dispatcher
        let feed = Task { try await dispatcher.run() }
        client = APIClient(transport: InProcessTransport(core: core), fieldManager: "tests")
        let pods = Informer<CoreV1.Pod>(client: client, logger: logger)
        let jobs = Informer<BatchV1.Job>(client: client, logger: logger)
        let cronJobs = Informer<BatchV1.CronJob>(client: client, logger: logger)
        let now: @Sendable () -> Date
        if let clock { now = { clock.now } } else { now = { Date() } }
        jobController = JobController(client: client, jobs: jobs, pods: pods, logger: logger, now: now, podBackoff: podBackoff)
        cronJobController = CronJobController(client: client, cronJobs: cronJobs, jobs: jobs, logger: logger, now: now)
        await jobController.start()
        await cronJobController.start()
        let jc = jobController, cc = cronJobController
        let run = Task {
            await withTaskGroup(of: Void.self) { group in
                group.addTask { await pods.run() }
                group.addTask { await jobs.run() }
                group.addTask { await cronJobs.run() }
                group.addTask {
                    await pods.waitForSync(); await jobs.waitForSync(); await cronJobs.waitForSync()
                    await withTaskGroup(of: Void.self) { g in
                        g.addTask { await jc.runWorkers(2) }
                        g.addTask { await cc.runWorkers(1) }
                    }
                }
            }
        }
        stopAll = { feed.cancel(); run.cancel() }
    }

    func stop() { stopAll() }

    static func template(restartPolicy: String = "Never") -> CoreV1.PodTemplateSpec {
        var t = CoreV1.PodTemplateSpec()
        var c = CoreV1.Container()
        c.name = "work"
        c.image = "busybox"
        t.spec = CoreV1.PodSpec(containers: [c])
        t.spec?.restartPolicy = restartPolicy
        t.spec?.schedulerName = "none"
        return t
    }

    static func job(_ name: String, _ configure: (inout BatchV1.JobSpec) -> Void = { _ in }) -> BatchV1.Job {
        var job = BatchV1.Job(metadata: MetaV1.ObjectMeta())
        job.metadata.name = name
        job.metadata.namespace = "default"
        var spec = BatchV1.JobSpec()
        spec.template = template()
        configure(&spec)
        job.spec = spec
        return job
    }

    func job(_ name: String) async throws -> BatchV1.Job { try await client.get(BatchV1.Job.self, namespace: "default", name: name) }

    func pods(of job: String) async throws -> [CoreV1.Pod] {
        try await client.list(CoreV1.Pod.self, namespace: "default", labelSelector: "batch.kubernetes.io/job-name=\(job)").items
            .sorted { ($0.metadata.name ?? "") < ($1.metadata.name ?? "") }
    }

    func active(_ job: String) async throws -> [CoreV1.Pod] { try await pods(of: job).filter(PodState.isActive) }

    /// What the kubelet writes when the pod's containers exit.
    func finish(_ pod: CoreV1.Pod, exitCode: Int) async throws {
        var p = try await client.get(CoreV1.Pod.self, namespace: "default", name: pod.metadata.name ?? "")
        var s = p.status ?? CoreV1.PodStatus()
        s.phase = exitCode == 0 ? "Succeeded" : "Failed"
        var st = CoreV1.ContainerStatus()
        st.name = "work"
        st.state = CoreV1.ContainerState(terminated: CoreV1.ContainerStateTerminated(exitCode: exitCode, reason: exitCode == 0 ? "Completed" : "Error",
                                                                                   finishedAt: Time.now()))
        s.containerStatuses = [st]
        p.status = s
        _ = try await client.updateStatus(p)
    }

    func condition(_ job: BatchV1.Job, _ type: String) -> BatchV1.JobCondition? {
        job.status?.conditions?.first { $0.type == type && $0.status == "True" }
    }

    func events(_ reason: String) async throws -> [CoreV1.Event] {
        try await client.list(CoreV1.Event.self, namespace: "default").items.filter { $0.reason == reason }
    }

    func eventually(_ what: String, seconds: Double = 20, _ check: () async throws -> Bool) async throws {
        let deadline = Date().addingTimeInterval(seconds)
        while Date() < deadline {
            if try await check() { return }
            try await Task.sleep(for: .milliseconds(25))
        }
        Issue.record("timed out waiting for \(what)")
        throw CancellationError()
    }
}
