import Foundation
import Synchronization
import TugAPI

/// One watcher's pending items. The cache appends under its own lock; the consumer takes
/// everything pending at once, so a busy watch sends many events per network write and wakes
/// once per batch instead of once per event.
public final class WatchBuffer: Sendable {
    private struct State {
        var items: [WatchItem] = []
        var ended = false
        var error: (any Error)?
        var waiter: CheckedContinuation<Void, Never>?
        var onEnd: (@Sendable () -> Void)?
    }

    private let state = Mutex(State())
    /// Pending items beyond this mean the consumer fell behind; the watch is then ended.
    public let limit: Int

    public init(limit: Int = 4096) { self.limit = limit }

    /// Runs once when the buffer ends (finish or cancel), outside the buffer's lock.
    public func onEnd(_ action: @escaping @Sendable () -> Void) {
        let runNow: Bool = state.withLock { s in
            if s.ended { return true }
            s.onEnd = action
            return false
        }
        if runNow { action() }
    }

    /// Appends an item; false when the buffer has ended or is full (and so has just ended).
    /// Never runs the `onEnd` action: producers call this under their own lock, and the producer
    /// that sees `false` drops the watcher itself.
    @discardableResult
    public func push(_ item: WatchItem) -> Bool {
        let (accepted, waiter): (Bool, CheckedContinuation<Void, Never>?) = state.withLock { s in
            guard !s.ended else { return (false, nil) }
            if s.items.count >= limit {
                s.ended = true
                s.error = APIError.gone("the watch fell behind and was closed; watch again from a newer resourceVersion")
                s.items = []
                defer { s.waiter = nil; s.onEnd = nil }
                return (false, s.waiter)
            }
            s.items.append(item)
            defer { s.waiter = nil }
            return (true, s.waiter)
        }
        waiter?.resume()
        return accepted
    }

    /// Ends the watch after the pending items (with `error` as its last word, if any). Must not
    /// be called under a lock the `onEnd` action takes.
    public func finish(throwing error: (any Error)? = nil) {
        let (waiter, endAction): (CheckedContinuation<Void, Never>?, (@Sendable () -> Void)?) = state.withLock { s in
            guard !s.ended else { return (nil, nil) }
            s.ended = true
            s.error = error
            defer { s.waiter = nil; s.onEnd = nil }
            return (s.waiter, s.onEnd)
        }
        waiter?.resume()
        endAction?()
    }

    /// Everything pending, waiting while there is nothing; `[]` once the watch has ended
    /// normally, or the error it ended with. Cancelling the calling task ends the watch.
    public func next() async throws -> [WatchItem] {
        while true {
            enum Step { case items([WatchItem]), end((any Error)?), wait }
            let step: Step = state.withLock { s in
                if !s.items.isEmpty {
                    defer { s.items = [] }
                    return .items(s.items)
                }
                if s.ended {
                    defer { s.error = nil }
                    return .end(s.error)
                }
                return .wait
            }
            switch step {
            case .items(let items): return items
            case .end(let error?): throw error
            case .end(nil): return []
            case .wait: break
            }
            if Task.isCancelled {
                finish()
                return []
            }
            await withTaskCancellationHandler {
                await withCheckedContinuation { (c: CheckedContinuation<Void, Never>) in
                    let resumeNow: Bool = state.withLock { s in
                        if !s.items.isEmpty || s.ended { return true }
                        s.waiter = c
                        return false
                    }
                    if resumeNow { c.resume() }
                }
            } onCancel: {
                self.finish()
            }
        }
    }
}
