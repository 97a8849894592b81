import Foundation
import Synchronization
import Testing
import TugAPI
import TugAgent
import TugRuntime

/// A prober that answers from a script (repeating the last answer) and counts its calls.
final class ScriptedProber: ContainerProber {
    private let state: Mutex<(script: [ProbeAttempt], calls: Int)>

    init(_ script: [ProbeAttempt]) {
        state = Mutex((script, 0))
    }

    var calls: Int { state.withLock { $0.calls } }

    func setScript(_ script: [ProbeAttempt]) { state.withLock { $0.script = script } }

    func probe(_ probe: CoreV1.Probe, container: CoreV1.Container, containerID: ContainerID, podIP: String) async -> ProbeAttempt {
        state.withLock { s in
            s.calls += 1
            return s.script.count > 1 ? s.script.removeFirst() : s.script[0]
        }
    }

    static let ok = ProbeAttempt(result: .success, output: "ok")
    static let bad = ProbeAttempt(result: .failure, output: "HTTP probe failed with statuscode: 500")
}

/// The container state a test changes and the worker reads.
final class StateBox: Sendable {
    let value: Mutex<ProbedContainerState?>
    init(_ state: ProbedContainerState?) { value = Mutex(state) }
    func update(_ change: (inout ProbedContainerState) -> Void) {
        value.withLock { if var s = $0 { change(&s); $0 = s } }
    }
}

/// Collects what a worker reports.
final class NotificationLog: Sendable {
    private let items = Mutex<[ProbeNotification]>([])
    func append(_ n: ProbeNotification) { items.withLock { $0.append(n) } }
    var all: [ProbeNotification] { items.withLock { $0 } }
    var results: [ProbeResult] {
        all.compactMap { if case .result(let u) = $0 { return u.result } else { return nil } }
    }
    var updates: [ProbeResultUpdate] {
        all.compactMap { if case .result(let u) = $0 { return u } else { return nil } }
    }
    var events: [KubeletEvent] {
        all.compactMap { if case .event(_, _, let e) = $0 { return e } else { return nil } }
    }
}

/// One worker under test with its fake clock, prober, state and log.
struct WorkerHarness {
    let clock = ManualClock()
    let prober: ScriptedProber
    let state: StateBox
    let log = NotificationLog()
    let worker: ProbeWorker

    init(_ type: ProbeType, probe: CoreV1.Probe, script: [ProbeAttempt], started: Bool = true) {
        prober = ScriptedProber(script)
        state = StateBox(ProbedContainerState(containerID: "c1", podIP: "127.0.0.1", running: true, startedAt: clock.now, started: started))
        var container = CoreV1.Container(name: "app")
        switch type {
        case .liveness: container.livenessProbe = probe
        case .readiness: container.readinessProbe = probe
        case .startup: container.startupProbe = probe
        }
        let state = self.state
        let log = self.log
        worker = ProbeWorker(probeType: type, container: container, prober: prober, clock: clock,
                             state: { state.value.withLock { $0 } }, notify: { log.append($0) })!
    }

    /// Starts the worker and waits until it has finished its first round.
    func start() async {
        await worker.start()
        #expect(await eventually { clock.sleepCalls >= 1 && clock.sleeping == 1 })
    }

    /// Moves time one period on and waits for the worker to finish that round.
    func tick(_ period: Duration = .seconds(10)) async {
        let before = clock.sleepCalls
        clock.advance(by: period)
        #expect(await eventually { clock.sleepCalls > before && clock.sleeping == 1 })
    }
}

@Suite("ProbeWorker")
struct ProbeWorkerTests {
    @Test("readiness starts as failure and turns success after successThreshold successes")
    func readinessThreshold() async {
        let h = WorkerHarness(.readiness, probe: CoreV1.Probe(periodSeconds: 10, successThreshold: 2), script: [ScriptedProber.ok])
        await h.start()
        #expect(h.log.results == [.failure])
        #expect(h.prober.calls == 1)
        await h.tick()
        #expect(h.prober.calls == 2)
        #expect(h.log.results == [.failure, .success])
        await h.tick()
        #expect(h.log.results == [.failure, .success])
        await h.worker.stop()
    }

    @Test("liveness starts as success, fails after failureThreshold failures, then holds until a new container")
    func livenessThresholdAndHold() async {
        let probe = CoreV1.Probe(periodSeconds: 10, failureThreshold: 3, terminationGracePeriodSeconds: 5)
        let h = WorkerHarness(.liveness, probe: probe, script: [ScriptedProber.bad])
        await h.start()
        #expect(h.log.results == [.success])
        await h.tick()
        #expect(h.log.results == [.success])
        await h.tick()
        #expect(h.prober.calls == 3)
        #expect(h.log.results == [.success, .failure])
        let update = h.log.updates.last
        #expect(update?.message == "HTTP probe failed with statuscode: 500")
        #expect(update?.terminationGracePeriodSeconds == 5)
        #expect(update?.container == "app")
        #expect(h.log.events.count == 3)
        #expect(h.log.events.first?.message == "Liveness probe failed: HTTP probe failed with statuscode: 500")

        // On hold: no more probes for this container instance.
        await h.tick()
        #expect(h.prober.calls == 3)

        // A new instance starts over from the initial value.
        h.prober.setScript([ScriptedProber.ok])
        h.state.update { $0.containerID = "c2"; $0.startedAt = h.clock.now }
        await h.tick()
        #expect(h.prober.calls == 4)
        #expect(h.log.updates.last?.containerID == "c2")
        #expect(h.log.updates.last?.result == .success)
        await h.worker.stop()
    }

    @Test("a success in between resets the failure count")
    func failureRunResets() async {
        let h = WorkerHarness(.liveness, probe: CoreV1.Probe(periodSeconds: 10, failureThreshold: 2),
                              script: [ScriptedProber.bad, ScriptedProber.ok, ScriptedProber.bad, ScriptedProber.bad])
        await h.start()
        await h.tick()
        await h.tick()
        #expect(h.log.results == [.success])
        await h.tick()
        #expect(h.log.results == [.success, .failure])
        await h.worker.stop()
    }

    @Test("no probe runs before initialDelaySeconds have passed since the container started")
    func initialDelay() async {
        let h = WorkerHarness(.readiness, probe: CoreV1.Probe(initialDelaySeconds: 15, periodSeconds: 10), script: [ScriptedProber.ok])
        await h.start()
        #expect(h.prober.calls == 0)
        await h.tick()
        #expect(h.prober.calls == 0)
        await h.tick()
        #expect(h.prober.calls == 1)
        #expect(h.log.results == [.failure, .success])
        await h.worker.stop()
    }

    @Test("liveness and readiness wait for the container to have started")
    func startupGate() async {
        let h = WorkerHarness(.liveness, probe: CoreV1.Probe(periodSeconds: 10), script: [ScriptedProber.ok], started: false)
        await h.start()
        await h.tick()
        #expect(h.prober.calls == 0)
        h.state.update { $0.started = true }
        await h.tick()
        #expect(h.prober.calls == 1)
        await h.worker.stop()
    }

    @Test("the startup probe runs until it succeeds once, then stops")
    func startupProbe() async {
        let h = WorkerHarness(.startup, probe: CoreV1.Probe(periodSeconds: 10, failureThreshold: 30),
                              script: [ScriptedProber.bad, ScriptedProber.ok], started: false)
        await h.start()
        #expect(h.log.results == [.unknown])
        await h.tick()
        #expect(h.log.results == [.unknown, .success])
        await h.tick()
        #expect(h.prober.calls == 2)
        await h.worker.stop()
    }

    @Test("a startup probe that reaches failureThreshold reports failure (the container will be killed)")
    func startupFailure() async {
        let h = WorkerHarness(.startup, probe: CoreV1.Probe(periodSeconds: 10, failureThreshold: 2),
                              script: [ScriptedProber.bad], started: false)
        await h.start()
        await h.tick()
        #expect(h.log.results == [.unknown, .failure])
        #expect(ProbeMessages.killing(container: "app", type: .startup, willRestart: true)?.message
            == "Container app failed startup probe, will be restarted")
        await h.worker.stop()
    }

    @Test("trigger() probes at once instead of waiting for the period")
    func manualTrigger() async {
        let h = WorkerHarness(.readiness, probe: CoreV1.Probe(periodSeconds: 10), script: [ScriptedProber.bad])
        await h.start()
        #expect(h.prober.calls == 1)
        let before = h.clock.sleepCalls
        await h.worker.trigger()
        #expect(await eventually { h.prober.calls == 2 && h.clock.sleepCalls > before && h.clock.sleeping == 1 })
        await h.worker.stop()
    }

    @Test("an errored attempt is reported as an event but does not count")
    func erroredAttempt() async {
        let h = WorkerHarness(.readiness, probe: CoreV1.Probe(periodSeconds: 10), script: [.errored("boom")])
        await h.start()
        #expect(h.log.results == [.failure])
        #expect(h.log.events == [KubeletEvent(type: "Warning", reason: "Unhealthy",
                                              message: "Readiness probe errored and resulted in unknown state: boom")])
        await h.worker.stop()
    }

    @Test("the worker ends when the pod finishes, and when cancelled")
    func ending() async {
        let h = WorkerHarness(.readiness, probe: CoreV1.Probe(periodSeconds: 10), script: [ScriptedProber.ok])
        let run = Task { await h.worker.run() }
        #expect(await eventually { h.clock.sleeping == 1 })
        h.state.update { $0.podFinished = true }
        h.clock.advance(by: .seconds(10))
        await run.value

        let h2 = WorkerHarness(.liveness, probe: CoreV1.Probe(periodSeconds: 10), script: [ScriptedProber.ok])
        let run2 = Task { await h2.worker.run() }
        #expect(await eventually { h2.clock.sleeping == 1 })
        run2.cancel()
        await run2.value
        #expect(h2.clock.sleeping == 0)
    }

    @Test("a stopped container reads as failure and a Never pod's exited container ends the worker")
    func exitedContainer() async {
        let h = WorkerHarness(.readiness, probe: CoreV1.Probe(periodSeconds: 10), script: [ScriptedProber.ok])
        let run = Task { await h.worker.run() }
        #expect(await eventually { h.clock.sleeping == 1 })
        #expect(h.log.results == [.failure, .success])
        h.state.update { $0.running = false; $0.terminated = true; $0.restartPolicy = "Never" }
        h.clock.advance(by: .seconds(10))
        await run.value
        #expect(h.log.results == [.failure, .success, .failure])
    }

    @Test("liveness reports success and ends when the pod is being deleted")
    func deleting() async {
        let h = WorkerHarness(.liveness, probe: CoreV1.Probe(periodSeconds: 10, failureThreshold: 1), script: [ScriptedProber.bad])
        let run = Task { await h.worker.run() }
        #expect(await eventually { h.clock.sleeping == 1 })
        #expect(h.log.results == [.success, .failure])
        h.state.update { $0.containerID = "c2"; $0.podDeleting = true }
        h.clock.advance(by: .seconds(10))
        await run.value
        #expect(h.log.results == [.success, .failure, .success])
    }
}
