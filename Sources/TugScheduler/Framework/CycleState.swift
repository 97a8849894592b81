import Synchronization

/// Data plugins compute once per scheduling cycle (in `preFilter`) and read in filter/score.
public final class CycleState: Sendable {
    private let values = Mutex<[String: any Sendable]>([:])
    public init() {}

    public func write(_ key: String, _ value: any Sendable) { values.withLock { $0[key] = value } }
    public func read<T: Sendable>(_ key: String, as: T.Type = T.self) -> T? { values.withLock { $0[key] as? T } }
}
