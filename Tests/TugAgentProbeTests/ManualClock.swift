import Foundation
import Synchronization
import TugAgent

/// A clock that only moves when a test says so. Sleepers wake when `advance` passes their
/// deadline; `sleepCalls` lets a test wait until a worker has gone back to sleep.
final class ManualClock: AgentClock {
    private struct Sleeper {
        var deadline: Date
        var continuation: CheckedContinuation<Void, any Error>
    }

    private struct State {
        var now: Date
        var sleepers: [Int: Sleeper] = [:]
        var cancelledBeforeRegistration: Set<Int> = []
        var nextID = 0
        var sleepCalls = 0
    }

    private let state: Mutex<State>

    init(start: Date = Date(timeIntervalSince1970: 1_700_000_000)) {
        state = Mutex(State(now: start))
    }

    var now: Date { state.withLock { $0.now } }
    var sleepCalls: Int { state.withLock { $0.sleepCalls } }
    var sleeping: Int { state.withLock { $0.sleepers.count } }

    func sleep(for duration: Duration) async throws {
        let id = state.withLock { s -> Int in
            s.nextID += 1
            s.sleepCalls += 1
            return s.nextID
        }
        try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<Void, any Error>) in
                let resumeNow: Result<Void, any Error>? = state.withLock { s in
                    if s.cancelledBeforeRegistration.remove(id) != nil { return .failure(CancellationError()) }
                    let deadline = s.now.addingTimeInterval(Double(duration.components.seconds)
                        + Double(duration.components.attoseconds) / 1e18)
                    if deadline <= s.now { return .success(()) }
                    s.sleepers[id] = Sleeper(deadline: deadline, continuation: continuation)
                    return nil
                }
                if let resumeNow { continuation.resume(with: resumeNow) }
            }
        } onCancel: {
            let sleeper = state.withLock { s -> Sleeper? in
                if let sleeper = s.sleepers.removeValue(forKey: id) { return sleeper }
                s.cancelledBeforeRegistration.insert(id)
                return nil
            }
            sleeper?.continuation.resume(throwing: CancellationError())
        }
    }

    func advance(by duration: Duration) {
        let due = state.withLock { s -> [Sleeper] in
            s.now = s.now.addingTimeInterval(Double(duration.components.seconds) + Double(duration.components.attoseconds) / 1e18)
            let now = s.now
            let ready = s.sleepers.filter { $0.value.deadline <= now }
            for key in ready.keys { s.sleepers[key] = nil }
            return ready.sorted { $0.value.deadline < $1.value.deadline }.map(\.value)
        }
        for sleeper in due { sleeper.continuation.resume() }
    }
}

/// Polls `condition` until it holds or five seconds pass: waiting on other tasks without
/// asserting anything about how long they take.
func eventually(_ condition: @Sendable () async -> Bool) async -> Bool {
    let deadline = ContinuousClock.now + .seconds(5)
    while ContinuousClock.now < deadline {
        if await condition() { return true }
        try? await Task.sleep(for: .milliseconds(2))
    }
    return await condition()
}
