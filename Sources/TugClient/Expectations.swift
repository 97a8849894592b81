import Foundation

/// What a controller is waiting to see in its informer after creating or deleting children
/// (client-go's ControllerExpectations): while creations or deletions are outstanding, the
/// informer is behind the controller's own actions and a sync must not act on it again.
/// Expectations older than `timeout` count as met, so a lost event cannot block forever.
public actor Expectations {
    struct Entry {
        var adds: Int
        var deletes: Int
        var since: ContinuousClock.Instant
    }

    private var entries: [String: Entry] = [:]
    let timeout: Duration

    public init(timeout: Duration = .seconds(300)) { self.timeout = timeout }

    public func expect(_ key: String, adds: Int = 0, deletes: Int = 0) {
        entries[key] = Entry(adds: adds, deletes: deletes, since: .now)
    }

    public func observedAdd(_ key: String) { entries[key]?.adds -= 1 }
    public func observedDelete(_ key: String) { entries[key]?.deletes -= 1 }

    /// An action that was expected did not happen (the request failed).
    public func lowered(_ key: String, adds: Int = 0, deletes: Int = 0) {
        entries[key]?.adds -= adds
        entries[key]?.deletes -= deletes
    }

    /// Whether the informer has caught up with what was expected (or the wait timed out).
    public func satisfied(_ key: String) -> Bool {
        guard let e = entries[key] else { return true }
        if e.adds <= 0 && e.deletes <= 0 { return true }
        return ContinuousClock.now - e.since > timeout
    }

    public func forget(_ key: String) { entries[key] = nil }
}
