import Synchronization

/// One watcher: a bounded buffer of live events, or a replay cursor while it catches up.
final class WatchSubscriber: Sendable {
    enum Mode {
        /// Pulling history from the replay source; everything up to `after` has been buffered.
        case replaying(after: Int64)
        /// Receiving published events with revision > `after`.
        case live(after: Int64)
    }

    enum Terminal {
        case finished
        case failed(any Error)
    }

    struct State {
        var mode: Mode
        var buffer: [StoreEvent] = []
        var head = 0
        var waiter: CheckedContinuation<StoreEvent?, any Error>?
        var terminal: Terminal?

        var pending: Int { buffer.count - head }

        mutating func pop() -> StoreEvent {
            let e = buffer[head]
            head += 1
            if head == buffer.count {
                buffer.removeAll(keepingCapacity: true)
                head = 0
            } else if head >= 1024 && head * 2 >= buffer.count {
                buffer.removeFirst(head)
                head = 0
            }
            return e
        }
    }

    let id: UInt64
    let hub: WatchHub
    let prefix: String
    let bufferLimit: Int
    let replay: WatchHub.ReplaySource
    private let state: Mutex<State>

    init(id: UInt64, hub: WatchHub, prefix: String, bufferLimit: Int, live: Bool, after: Int64,
         replay: @escaping WatchHub.ReplaySource) {
        self.id = id
        self.hub = hub
        self.prefix = prefix
        self.bufferLimit = bufferLimit
        self.replay = replay
        self.state = Mutex(State(mode: live ? .live(after: after) : .replaying(after: after)))
    }

    /// Called by the hub under its lock. Returns false when the buffer overflowed (the hub then
    /// removes and terminates this subscriber).
    func deliver(_ events: [StoreEvent]) -> Bool {
        state.withLock { s in
            guard s.terminal == nil, case .live(let after) = s.mode else { return true }
            for e in events where e.revision > after && KeyPrefix.matches(e.key, prefix) {
                if let w = s.waiter, s.pending == 0 {
                    s.waiter = nil
                    w.resume(returning: e)
                    continue
                }
                if s.pending >= bufferLimit {
                    // Free the memory now; the consumer must relist anyway.
                    s.buffer = []
                    s.head = 0
                    return false
                }
                s.buffer.append(e)
            }
            return true
        }
    }

    /// Called by the hub under its lock once replay has caught up.
    func setLive() {
        state.withLock { s in
            if case .replaying(let after) = s.mode { s.mode = .live(after: after) }
        }
    }

    /// Ends the watch: `nil` finishes it normally, an error is thrown to the consumer once
    /// (after which the stream ends).
    func terminate(_ error: (any Error)?) {
        state.withLock { s in
            guard s.terminal == nil else { return }
            if let error {
                s.buffer = []
                s.head = 0
                s.terminal = .failed(error)
            } else {
                s.terminal = .finished
            }
            if let w = s.waiter {
                s.waiter = nil
                if let error {
                    s.terminal = .finished
                    w.resume(throwing: error)
                } else {
                    w.resume(returning: nil)
                }
            }
        }
    }

    private enum Step {
        case event(StoreEvent)
        case end
        case fail(any Error)
        case replay(after: Int64)
        case wait
    }

    /// The next event, pulling history while replaying and waiting while live.
    func next() async throws -> StoreEvent? {
        while true {
            if Task.isCancelled {
                // Also stops a replay that still had pages to go.
                hub.remove(id)
                return nil
            }
            let step: Step = state.withLock { s in
                if s.pending > 0 { return .event(s.pop()) }
                switch s.terminal {
                case .finished: return .end
                case .failed(let e):
                    s.terminal = .finished
                    return .fail(e)
                case nil: break
                }
                if case .replaying(let after) = s.mode { return .replay(after: after) }
                return .wait
            }
            switch step {
            case .event(let e):
                return e
            case .end:
                return nil
            case .fail(let e):
                throw e
            case .replay(let after):
                try await replayStep(after: after)
            case .wait:
                return try await waitForEvent()
            }
        }
    }

    private func replayStep(after: Int64) async throws {
        let target = hub.revision
        if after >= target {
            // Caught up (or the hub moved on between reads: then loop and replay more).
            _ = hub.goLive(self, after: after)
            return
        }
        let events: [StoreEvent]
        do {
            events = try await replay(prefix, after, target, hub.replayPageSize)
        } catch {
            hub.remove(id)
            throw error
        }
        let reached = events.count >= hub.replayPageSize ? events[events.count - 1].revision : target
        state.withLock { s in
            guard s.terminal == nil else { return }
            s.buffer.append(contentsOf: events)
            s.mode = .replaying(after: reached)
        }
    }

    private func waitForEvent() async throws -> StoreEvent? {
        try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { (c: CheckedContinuation<StoreEvent?, any Error>) in
                state.withLock { s in
                    if s.pending > 0 {
                        c.resume(returning: s.pop())
                    } else if let t = s.terminal {
                        s.terminal = .finished
                        if case .failed(let e) = t { c.resume(throwing: e) } else { c.resume(returning: nil) }
                    } else {
                        s.waiter = c
                    }
                }
            }
        } onCancel: {
            hub.remove(id)
        }
    }
}
