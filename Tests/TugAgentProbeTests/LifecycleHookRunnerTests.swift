import Foundation
import Testing
import TugAPI
import TugAgent
import TugRuntime

@Suite("LifecycleHookRunner")
struct LifecycleHookRunnerTests {
    static let pod = PodIdentity(name: "web", namespace: "default", uid: "uid-1")
    static let container = CoreV1.Container(name: "app", ports: [CoreV1.ContainerPort(name: "admin", containerPort: 1)])

    static func withRunner(runtime: FakeRuntime = FakeRuntime { _, _, _ in ExecResult(exitCode: 0, stdout: [], stderr: []) },
                           clock: any AgentClock = SystemAgentClock(),
                           _ body: (LifecycleHookRunner) async throws -> Void) async throws {
        let http = HTTPGetClient()
        let runner = LifecycleHookRunner(runtime: runtime, http: http, clock: clock)
        do {
            try await body(runner)
        } catch {
            try? await http.shutdown()
            throw error
        }
        try await http.shutdown()
    }

    @Test("an exec postStart hook that exits 0 succeeds; one that fails gives FailedPostStartHook with kubelet's message")
    func execPostStart() async throws {
        let runtime = FakeRuntime { _, command, _ in
            command.last == "exit 1" ? ExecResult(exitCode: 1, stdout: Array("out".utf8), stderr: Array("bad".utf8))
                                     : ExecResult(exitCode: 0, stdout: [], stderr: [])
        }
        try await Self.withRunner(runtime: runtime) { runner in
            let good = CoreV1.LifecycleHandler(exec: CoreV1.ExecAction(command: ["sh", "-c", "true"]))
            let ok = await runner.runPostStart(good, pod: Self.pod, podIP: "", container: Self.container, containerID: "c1")
            #expect(ok.outcome.succeeded)
            #expect(ok.event == nil)

            let bad = CoreV1.LifecycleHandler(exec: CoreV1.ExecAction(command: ["sh", "-c", "exit 1"]))
            let failed = await runner.runPostStart(bad, pod: Self.pod, podIP: "", container: Self.container, containerID: "c1")
            #expect(failed.event == KubeletEvent(
                type: "Warning", reason: "FailedPostStartHook",
                message: "Exec lifecycle hook ([sh -c exit 1]) for Container \"app\" in Pod \"web_default(uid-1)\" failed - error: command 'sh -c exit 1' exited with 1: bad, message: \"outbad\""))
            #expect(runtime.execCalls.allSatisfy { $0.id == "c1" })
        }
    }

    @Test("an httpGet hook succeeds on any answer and sends the kube-lifecycle user agent")
    func httpHook() async throws {
        let server = try await TestHTTPServer.start()
        defer { Task { await server.stop() } }
        try await Self.withRunner { runner in
            let handler = CoreV1.LifecycleHandler(httpGet: CoreV1.HTTPGetAction(path: "/status/500", port: .string(String(server.port))))
            let result = await runner.runPostStart(handler, pod: Self.pod, podIP: "127.0.0.1", container: Self.container, containerID: "c1")
            #expect(result.outcome.succeeded)
            #expect(server.requests.last?.uri == "/status/500")
            #expect(server.requests.last?.header("User-Agent") == ["kube-lifecycle/1.37"])
        }
    }

    @Test("an httpGet hook that cannot connect fails with kubelet's message")
    func httpHookFailure() async throws {
        let port = try await closedLoopbackPort()
        try await Self.withRunner { runner in
            let handler = CoreV1.LifecycleHandler(httpGet: CoreV1.HTTPGetAction(path: "/hook", port: .int(port)))
            let result = await runner.runPostStart(handler, pod: Self.pod, podIP: "127.0.0.1", container: Self.container, containerID: "c1")
            #expect(result.event?.reason == "FailedPostStartHook")
            #expect(result.event?.message == "HTTP lifecycle hook (/hook) for Container \"app\" in Pod \"web_default(uid-1)\" failed - error: Get \"http://127.0.0.1:\(port)/hook\": dial tcp 127.0.0.1:\(port): connect: connection refused")
        }
    }

    @Test("a sleep preStop hook sleeps its seconds and leaves the rest of the grace period")
    func sleepPreStop() async throws {
        let clock = ManualClock()
        try await Self.withRunner(clock: clock) { runner in
            let handler = CoreV1.LifecycleHandler(sleep: CoreV1.SleepAction(seconds: 5))
            let run = Task {
                await runner.runPreStop(handler, pod: Self.pod, podIP: "", container: Self.container, containerID: "c1",
                                        gracePeriod: .seconds(30))
            }
            #expect(await eventually { clock.sleeping == 2 })
            clock.advance(by: .seconds(5))
            let outcome = await run.value
            #expect(outcome.completed)
            #expect(outcome.event == nil)
            #expect(outcome.elapsed == .seconds(5))
            #expect(outcome.remainingGracePeriod == .seconds(25))
        }
    }

    @Test("a preStop hook is cut off at the grace period, and the stop still gets two seconds")
    func preStopBoundedByGracePeriod() async throws {
        let clock = ManualClock()
        let runtime = FakeRuntime { _, _, _ in
            try await Task.sleep(for: .seconds(3600))
            return ExecResult(exitCode: 0, stdout: [], stderr: [])
        }
        try await Self.withRunner(runtime: runtime, clock: clock) { runner in
            let handler = CoreV1.LifecycleHandler(exec: CoreV1.ExecAction(command: ["drain"]))
            let run = Task {
                await runner.runPreStop(handler, pod: Self.pod, podIP: "", container: Self.container, containerID: "c1",
                                        gracePeriod: .seconds(30))
            }
            #expect(await eventually { clock.sleeping == 1 && runtime.execCalls.count == 1 })
            #expect(runtime.execCalls.first?.timeout == .seconds(30))
            clock.advance(by: .seconds(30))
            let outcome = await run.value
            #expect(!outcome.completed)
            #expect(outcome.elapsed == .seconds(30))
            #expect(outcome.remainingGracePeriod == .seconds(2))
            #expect(outcome.event == nil)
        }
    }

    @Test("a failing preStop hook gives FailedPreStopHook with kubelet's fixed message")
    func preStopFailure() async throws {
        let runtime = FakeRuntime { _, _, _ in ExecResult(exitCode: 2, stdout: Array("secret".utf8), stderr: []) }
        try await Self.withRunner(runtime: runtime, clock: ManualClock()) { runner in
            let handler = CoreV1.LifecycleHandler(exec: CoreV1.ExecAction(command: ["drain"]))
            let outcome = await runner.runPreStop(handler, pod: Self.pod, podIP: "", container: Self.container, containerID: "c1",
                                                  gracePeriod: .seconds(30))
            #expect(outcome.completed)
            #expect(outcome.event == KubeletEvent(type: "Warning", reason: "FailedPreStopHook", message: "PreStopHook failed"))
            #expect(outcome.remainingGracePeriod == .seconds(30))
        }
    }

    @Test("a sleep hook cut short and a handler without an action fail with kubelet's messages")
    func sleepCancelledAndInvalid() async throws {
        let clock = ManualClock()
        try await Self.withRunner(clock: clock) { runner in
            let sleep = CoreV1.LifecycleHandler(sleep: CoreV1.SleepAction(seconds: 10))
            let run = Task {
                await runner.run(sleep, pod: Self.pod, podIP: "", container: Self.container, containerID: "c1", execTimeout: .seconds(1))
            }
            #expect(await eventually { clock.sleeping == 1 })
            run.cancel()
            let outcome = await run.value
            #expect(outcome.failureMessage == "Sleep lifecycle hook (10) for Container \"app\" in Pod \"web_default(uid-1)\" failed - error: container terminated before sleep hook finished")

            let invalid = await runner.run(CoreV1.LifecycleHandler(), pod: Self.pod, podIP: "", container: Self.container,
                                           containerID: "c1", execTimeout: .seconds(1))
            #expect(invalid.failureMessage?.hasPrefix("Cannot run handler: invalid handler") == true)
        }
    }
}
