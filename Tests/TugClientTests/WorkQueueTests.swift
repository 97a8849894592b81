import Foundation
import Testing
@testable import TugClient

@Suite struct WorkQueueTests {
    @Test func deduplicatesAndHandsEachKeyToOneWorker() async throws {
        let q = WorkQueue()
        await q.add("a")
        await q.add("b")
        await q.add("a")
        #expect(await q.count == 2)
        let first = await q.next()
        #expect(first == "a")
        // Added again while a worker has it: not handed out twice, queued after done.
        await q.add("a")
        #expect(await q.next() == "b")
        #expect(await q.count == 0)
        await q.done("b")
        await q.done("a")
        #expect(await q.count == 1)
        #expect(await q.next() == "a")
        await q.done("a")
        #expect(await q.count == 0)
    }

    @Test func waitingWorkerGetsTheNextKey() async throws {
        let q = WorkQueue()
        let worker = Task { await q.next() }
        try await Task.sleep(for: .milliseconds(20))
        await q.add("x")
        #expect(await worker.value == "x")
        // Handed out directly, so it counts as being processed: a second add waits for done.
        await q.add("x")
        #expect(await q.count == 0)
        await q.done("x")
        #expect(await q.next() == "x")
    }

    @Test func backoffDoublesPerFailureUpToTheCeiling() async {
        var limits = WorkQueue.RateLimits()
        limits.baseDelay = .milliseconds(5)
        limits.maxDelay = .seconds(1)
        let q = WorkQueue(limits: limits)
        #expect(await q.itemDelay(failures: 0) == .milliseconds(5))
        #expect(await q.itemDelay(failures: 1) == .milliseconds(10))
        #expect(await q.itemDelay(failures: 3) == .milliseconds(40))
        #expect(await q.itemDelay(failures: 20) == .seconds(1))
        await q.addRateLimited("k")
        await q.addRateLimited("k")
        #expect(await q.requeues("k") == 2)
        await q.forget("k")
        #expect(await q.requeues("k") == 0)
    }

    @Test func rateLimitedKeyComesBackAfterItsDelay() async throws {
        var limits = WorkQueue.RateLimits()
        limits.baseDelay = .milliseconds(50)
        let q = WorkQueue(limits: limits)
        let start = ContinuousClock.now
        await q.addRateLimited("k")
        #expect(await q.count == 0)
        let key = await q.next()
        #expect(key == "k")
        #expect(ContinuousClock.now - start >= .milliseconds(45))
    }

    @Test func overallBucketSpacesOutRetriesPastTheBurst() async {
        var limits = WorkQueue.RateLimits()
        limits.baseDelay = .nanoseconds(1)
        limits.qps = 10
        limits.burst = 2
        let q = WorkQueue(limits: limits)
        let t0 = ContinuousClock.now
        // Two tokens of burst, then one per 100 ms: reservations wait 0, 0, 100 ms, 200 ms.
        #expect(await q.bucketDelay(at: t0) == .zero)
        #expect(await q.bucketDelay(at: t0) == .zero)
        #expect(await q.bucketDelay(at: t0) == .milliseconds(100))
        #expect(await q.bucketDelay(at: t0) == .milliseconds(200))
        // Half a second later the debt is paid and tokens refill (up to the burst).
        #expect(await q.bucketDelay(at: t0 + .milliseconds(500)) == .zero)
    }

    @Test func shutDownReleasesWorkers() async throws {
        let q = WorkQueue()
        let worker = Task { await q.next() }
        try await Task.sleep(for: .milliseconds(20))
        await q.shutDown()
        #expect(await worker.value == nil)
        await q.add("late")
        #expect(await q.next() == nil)
    }
}
