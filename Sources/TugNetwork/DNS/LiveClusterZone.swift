import Synchronization

/// The zone snapshot the server answers from. Reading takes a lock only long enough to copy a
/// reference (measured hot path: one read per query); writers swap in a whole new snapshot.
public final class LiveClusterZone: Sendable {
    private let current: Mutex<ClusterZone>

    public init(_ zone: ClusterZone) { current = Mutex(zone) }

    public var zone: ClusterZone { current.withLock { $0 } }

    public func publish(_ zone: ClusterZone) { current.withLock { $0 = zone } }
}
