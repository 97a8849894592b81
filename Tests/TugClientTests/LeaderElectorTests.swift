import Foundation
import Logging
import Testing
import TugAPI
@testable import TugClient

@Suite struct LeaderElectorTests {
    /// A short lease for the expiry test; the hand-over test uses a long one so that a
    /// loaded machine's slow renewals never look like a lost leader.
    func config(_ identity: String, leaseSeconds: Int64 = 2) -> LeaderElector.Config {
        var c = LeaderElector.Config(name: "tug-test", identity: identity)
        c.leaseDuration = .seconds(leaseSeconds)
        c.renewDeadline = .milliseconds(leaseSeconds * 750)
        c.retryPeriod = .milliseconds(50)
        return c
    }

    @Test func oneLeaderAtATimeAndHandOverOnStop() async throws {
        let c = try await TestCluster()
        defer { c.stop() }
        let a = LeaderElector(client: c.client, config: config("a", leaseSeconds: 20), logger: Logger(label: "a"))
        let b = LeaderElector(client: c.client, config: config("b", leaseSeconds: 20), logger: Logger(label: "b"))
        let leading = EventLog()
        let runA = Task { await a.run { leading.add("a"); try? await Task.sleep(for: .seconds(60)) } }
        // Polled, not timed: a loaded machine may take a while to run the first attempt.
        for _ in 0..<500 where leading.all.isEmpty { try await Task.sleep(for: .milliseconds(20)) }
        #expect(leading.all == ["a"], "the first candidate wins at once")
        let runB = Task { await b.run { leading.add("b"); try? await Task.sleep(for: .seconds(60)) } }
        try await Task.sleep(for: .milliseconds(500))
        #expect(leading.all == ["a"], "the second waits while the first holds the Lease")
        let lease = try await c.client.get(CoordinationV1.Lease.self, namespace: "kube-system", name: "tug-test")
        #expect(lease.spec?.holderIdentity == "a")

        // The leader stops and releases the Lease: the other takes over without waiting it out.
        runA.cancel()
        await runA.value
        for _ in 0..<500 where leading.all != ["a", "b"] { try await Task.sleep(for: .milliseconds(20)) }
        #expect(leading.all == ["a", "b"])
        let after = try await c.client.get(CoordinationV1.Lease.self, namespace: "kube-system", name: "tug-test")
        #expect(after.spec?.holderIdentity == "b")
        runB.cancel()
        await runB.value
    }

    @Test func anExpiredLeaseIsTakenOver() async throws {
        let c = try await TestCluster()
        defer { c.stop() }
        let a = LeaderElector(client: c.client, config: config("a"), logger: Logger(label: "a"))
        let b = LeaderElector(client: c.client, config: config("b"), logger: Logger(label: "b"))
        let t0 = Date()
        #expect(try await a.tryAcquireOrRenew(now: t0))
        #expect(try await !b.tryAcquireOrRenew(now: t0.addingTimeInterval(1)), "still held")
        #expect(try await b.tryAcquireOrRenew(now: t0.addingTimeInterval(3)), "not renewed for longer than its duration")
        let lease = try await c.client.get(CoordinationV1.Lease.self, namespace: "kube-system", name: "tug-test")
        #expect(lease.spec?.holderIdentity == "b" && lease.spec?.leaseTransitions == 1)
    }

    @Test func failedAttemptsAreRetriedSoonerThanTheRetryPeriod() async throws {
        let c = try await TestCluster()
        defer { c.stop() }
        // The Lease's namespace does not exist yet (as kube-system on a server still starting):
        // attempts fail until it does, and are retried well before a one-minute retry period.
        var cfg = config("a", leaseSeconds: 120)
        cfg.namespace = "later"
        cfg.retryPeriod = .seconds(60)
        let a = LeaderElector(client: c.client, config: cfg, logger: Logger(label: "a"))
        let leading = EventLog()
        let run = Task { await a.run { leading.add("a"); try? await Task.sleep(for: .seconds(60)) } }
        try await Task.sleep(for: .milliseconds(300))
        #expect(leading.all.isEmpty)
        _ = try await c.client.create(CoreV1.Namespace(metadata: MetaV1.ObjectMeta(name: "later")))
        for _ in 0..<500 where leading.all.isEmpty { try await Task.sleep(for: .milliseconds(20)) }
        #expect(leading.all == ["a"])
        run.cancel()
        await run.value
    }
}
