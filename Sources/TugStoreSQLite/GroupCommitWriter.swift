import GRDB
import Synchronization
import TugStore

/// The one writer. Concurrent writes queue here; the drain loop takes everything queued, runs it
/// in one transaction, commits (one fsync for the whole batch), publishes the batch's events to
/// the watch hub, and only then resumes each caller with its own result. So an acknowledged
/// write is on disk and already visible to watchers and readers.
final class GroupCommitWriter: Sendable {
    private struct Request {
        let op: WriteOp
        let continuation: CheckedContinuation<KVRow, any Error>
    }

    private struct State {
        var queue: [Request] = []
        var draining = false
        var closed = false
        var idleWaiters: [CheckedContinuation<Void, Never>] = []
    }

    private let state = Mutex(State())
    private let pool: DatabasePool
    private let hub: WatchHub

    init(pool: DatabasePool, hub: WatchHub) {
        self.pool = pool
        self.hub = hub
    }

    func submit(_ op: WriteOp) async throws -> KVRow {
        try await withCheckedThrowingContinuation { (c: CheckedContinuation<KVRow, any Error>) in
            enum Admission { case rejected, queued, startDrain }
            let admission: Admission = state.withLock { s in
                if s.closed { return .rejected }
                s.queue.append(Request(op: op, continuation: c))
                if s.draining { return .queued }
                s.draining = true
                return .startDrain
            }
            switch admission {
            case .rejected: c.resume(throwing: StoreError.closed)
            case .queued: break
            case .startDrain: Task.detached { await self.drain() }
            }
        }
    }

    /// Writes batches until the queue is empty; the next submit starts a new drain. Requests
    /// that arrive while a batch commits form the next batch.
    private func drain() async {
        while true {
            let (batch, idle): ([Request]?, [CheckedContinuation<Void, Never>]) = state.withLock { s in
                if s.queue.isEmpty {
                    s.draining = false
                    defer { s.idleWaiters = [] }
                    return (nil, s.idleWaiters)
                }
                defer { s.queue = [] }
                return (s.queue, [])
            }
            guard let batch else {
                for w in idle { w.resume() }
                return
            }
            await run(batch)
        }
    }

    private func run(_ batch: [Request]) async {
        let ops = batch.map(\.op)
        do {
            let results = try await pool.write { db in
                try ops.map { try KVWrites.apply($0, db) }
            }
            var events: [StoreEvent] = []
            var last: Int64 = 0
            for case .success(let row) in results {
                events.append(row.event)
                last = row.id
            }
            if !events.isEmpty { hub.publish(events, revision: last) }
            for (req, result) in zip(batch, results) {
                req.continuation.resume(with: result.mapError { $0 as any Error })
            }
        } catch {
            // Nothing of this batch was committed.
            for req in batch { req.continuation.resume(throwing: error) }
        }
    }

    /// Refuses new writes, and returns once every accepted write has been committed or failed.
    func close() async {
        await withCheckedContinuation { (c: CheckedContinuation<Void, Never>) in
            let idle: Bool = state.withLock { s in
                s.closed = true
                if s.draining {
                    s.idleWaiters.append(c)
                    return false
                }
                return true
            }
            if idle { c.resume() }
        }
    }
}
