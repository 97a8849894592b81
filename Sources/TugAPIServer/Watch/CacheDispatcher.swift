import Foundation
import Logging
import Synchronization
import TugAPI
import TugStore

/// Feeds every `WatchCache` from one store watch on `/registry/`, in revision order, and tracks
/// the revision up to which all caches are current (so a list from a cache is a consistent read).
public final class CacheDispatcher: Sendable {
    let store: any Store
    let logger: Logger
    /// By the group-resource of their keys; a resource served in two versions has two caches.
    private let caches: Mutex<[String: [WatchCache]]>
    private let revision = Atomic<Int64>(0)
    private let waiters = Mutex<[(Int64, CheckedContinuation<Void, Never>)]>([])

    public init(store: any Store, logger: Logger) {
        self.store = store
        self.logger = logger
        self.caches = Mutex([:])
    }

    public var currentRevision: Int64 { revision.load(ordering: .acquiring) }

    /// A cache for `info`; `transform` turns stored bytes into the bytes this version serves.
    func makeCache(info: ResourceInfo, transform: (@Sendable ([UInt8]) -> [UInt8])? = nil,
                   attributes: @escaping @Sendable ([UInt8], Int64, (any Sendable)?) -> ObjectAttributes) -> WatchCache {
        let c = WatchCache(info: info, dispatcherRevision: { [weak self] in self?.currentRevision ?? 0 }, transform: transform, attributes: attributes)
        caches.withLock { $0[info.storageGroupResource, default: []].append(c) }
        return c
    }

    /// The storage version's cache of one resource (`pods`, `deployments.apps`).
    func cache(groupResource: String) -> WatchCache? { caches.withLock { $0[groupResource]?.first } }

    /// Lists every resource into its cache at one revision, then follows the store until cancelled.
    public func run() async throws {
        var from: Int64 = 0
        while !Task.isCancelled {
            do {
                from = try await load()
                for try await e in store.watch(prefix: "/registry/", fromRevision: from) {
                    route(e)
                }
                return
            } catch StoreError.closed {
                return
            } catch is CancellationError {
                return
            } catch {
                logger.warning("watch cache feed restarts after error: \(error)")
                try? await Task.sleep(for: .milliseconds(200))
            }
        }
    }

    private func load() async throws -> Int64 {
        let rev = try await store.currentRevision
        let all = caches.withLock { $0.values.flatMap { $0 } }
        for c in all {
            let list = try await store.list(prefix: c.info.storePrefix, atRevision: rev, limit: nil, continueAfter: nil)
            c.reset(list.items, revision: rev)
        }
        advance(to: rev)
        return rev
    }

    private func route(_ e: StoreEvent) {
        let key = e.key
        if key.hasPrefix("/registry/") {
            let rest = key.dropFirst("/registry/".count)
            if let slash = rest.firstIndex(of: "/") {
                let gr = String(rest[..<slash])
                for c in caches.withLock({ $0[gr] ?? [] }) { c.apply(e) }
            }
        }
        advance(to: e.revision)
    }

    private func advance(to rev: Int64) {
        revision.store(rev, ordering: .releasing)
        let ready: [CheckedContinuation<Void, Never>] = waiters.withLock { w in
            let done = w.filter { $0.0 <= rev }.map { $0.1 }
            w.removeAll { $0.0 <= rev }
            return done
        }
        for c in ready { c.resume() }
    }

    /// Waits until every cache has seen the store's writes up to `rev`. The feed delivers each
    /// commit right after it lands, so this wait is short.
    public func waitUntil(_ rev: Int64) async {
        if currentRevision >= rev { return }
        await withCheckedContinuation { (c: CheckedContinuation<Void, Never>) in
            let resumeNow: Bool = waiters.withLock { w in
                if revision.load(ordering: .acquiring) >= rev { return true }
                w.append((rev, c))
                return false
            }
            if resumeNow { c.resume() }
        }
    }

    /// Periodic bookmarks for watchers that asked for them.
    public func sendBookmarks() {
        for c in caches.withLock({ $0.values.flatMap { $0 } }) { c.sendBookmarks() }
    }
}
