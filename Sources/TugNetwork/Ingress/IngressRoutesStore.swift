import Synchronization

/// The current routing table, read by every proxied request and replaced whole by the
/// controller. A lock around a single copy-on-write value: readers take a reference and
/// route without holding it, so the hot path never waits for a rebuild.
public final class IngressRoutesStore: Sendable {
    private let current: Mutex<IngressRoutes>
    private let version: Atomic<Int>

    public init(_ routes: IngressRoutes = .empty) {
        current = Mutex(routes)
        version = Atomic(0)
    }

    public var routes: IngressRoutes { current.withLock { $0 } }

    /// How many tables have been published (tests poll it; logs quote it).
    public var generation: Int { version.load(ordering: .acquiring) }

    public func publish(_ routes: IngressRoutes) {
        current.withLock { $0 = routes }
        version.add(1, ordering: .releasing)
    }
}
