import Foundation
import Testing
import TugAgent

@Suite("RestartBackoff")
struct RestartBackoffTests {
    static let key = RestartBackoff.Key(pod: PodIdentity(name: "web", namespace: "default", uid: "uid-1"), container: "app")

    /// The container exits now; the test waits out the back-off and restarts it.
    static func crashAndRestart(_ backoff: RestartBackoff, _ clock: ManualClock) async {
        let exit = clock.now
        if case .backOff(let waiting) = await backoff.check(key, finishedAt: exit) { clock.advance(by: waiting.remaining) }
        guard case .restart = await backoff.check(key, finishedAt: exit) else {
            Issue.record("the back-off has passed; it should restart")
            return
        }
    }

    @Test("the first restart is immediate; then the delay goes 10, 20, 40, 80, 160, 300, 300 seconds")
    func sequence() async {
        let clock = ManualClock()
        let backoff = RestartBackoff(clock: clock)
        guard case .restart(let first) = await backoff.check(Self.key, finishedAt: clock.now) else {
            Issue.record("the first exit should restart at once")
            return
        }
        #expect(first == .seconds(10))
        var delays: [Duration] = []
        for _ in 0..<7 {
            clock.advance(by: .seconds(1))   // runs for a second, then exits again
            let exit = clock.now
            guard case .backOff(let waiting) = await backoff.check(Self.key, finishedAt: exit) else {
                Issue.record("an exit right after a restart should back off")
                return
            }
            #expect(waiting.remaining == waiting.delay)
            #expect(await !backoff.mayRestart(Self.key, finishedAt: exit))
            delays.append(waiting.delay)
            clock.advance(by: waiting.delay - .seconds(1))
            #expect(await backoff.backOff(Self.key, finishedAt: exit)?.remaining == .seconds(1))
            clock.advance(by: .seconds(1))
            guard case .restart = await backoff.check(Self.key, finishedAt: exit) else {
                Issue.record("the delay has passed; it should restart")
                return
            }
        }
        #expect(delays == [10, 20, 40, 80, 160, 300, 300].map { Duration.seconds($0) })
    }

    @Test("the waiting message and event are kubelet's")
    func messages() async {
        let clock = ManualClock()
        let backoff = RestartBackoff(clock: clock)
        _ = await backoff.check(Self.key, finishedAt: clock.now)
        for _ in 0..<3 { await Self.crashAndRestart(backoff, clock) }
        #expect(await backoff.currentDelay(Self.key) == .seconds(80))
        guard case .backOff(let waiting) = await backoff.check(Self.key, finishedAt: clock.now) else {
            Issue.record("expected a back-off")
            return
        }
        #expect(waiting.message == "back-off 1m20s restarting failed container=app pod=web_default(uid-1)")
        #expect(RestartBackoff.BackOff.reason == "CrashLoopBackOff")
        #expect(waiting.event == KubeletEvent(type: "Warning", reason: "BackOff",
                                              message: "Back-off restarting failed container app in pod web_default(uid-1)"))
        #expect(RestartBackoff.waitingMessage(delay: .seconds(300), container: "app", pod: Self.key.pod)
            == "back-off 5m0s restarting failed container=app pod=web_default(uid-1)")
        #expect(RestartBackoff.waitingMessage(delay: .seconds(10), container: "app", pod: Self.key.pod)
            == "back-off 10s restarting failed container=app pod=web_default(uid-1)")
    }

    @Test("a container that ran for more than 10 minutes starts again from 10 seconds")
    func resetAfterLongRun() async {
        let clock = ManualClock()
        let backoff = RestartBackoff(clock: clock)
        _ = await backoff.check(Self.key, finishedAt: clock.now)
        for _ in 0..<4 { await Self.crashAndRestart(backoff, clock) }
        #expect(await backoff.currentDelay(Self.key) == .seconds(160))

        // Ran just under ten minutes: still backs off, at the grown delay.
        clock.advance(by: .seconds(599))
        guard case .backOff(let short) = await backoff.check(Self.key, finishedAt: clock.now) else {
            Issue.record("under ten minutes of running keeps the back-off")
            return
        }
        #expect(short.delay == .seconds(160))
        let exit = clock.now
        clock.advance(by: .seconds(160))
        guard case .restart(let next) = await backoff.check(Self.key, finishedAt: exit) else {
            Issue.record("expected a restart")
            return
        }
        #expect(next == .seconds(300))

        // Ran for more than ten minutes since that restart: restarts at once, delay back to 10 s.
        clock.advance(by: .seconds(601))
        guard case .restart(let fresh) = await backoff.check(Self.key, finishedAt: clock.now) else {
            Issue.record("a long-running container should restart at once")
            return
        }
        #expect(fresh == .seconds(10))
    }

    @Test("containers back off independently, and forgetting a pod clears its entries")
    func independentKeys() async {
        let clock = ManualClock()
        let backoff = RestartBackoff(clock: clock)
        let other = RestartBackoff.Key(pod: Self.key.pod, container: "sidecar")
        _ = await backoff.check(Self.key, finishedAt: clock.now)
        #expect(await backoff.mayRestart(other, finishedAt: clock.now))
        #expect(await !backoff.mayRestart(Self.key, finishedAt: clock.now))
        await backoff.forgetPod(uid: "uid-1")
        #expect(await backoff.mayRestart(Self.key, finishedAt: clock.now))
        #expect(await backoff.currentDelay(Self.key) == nil)
    }
}
