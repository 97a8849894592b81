import Foundation
import Logging
import TugAPI

/// A change an informer saw.
public enum InformerEvent<T: APIObject>: Sendable {
    case added(T)
    /// Also sent for every object on each resync, with `old == new`.
    case updated(old: T, new: T)
    case deleted(T)
}

/// A local, current copy of one kind (optionally one namespace and selectors): lists, then
/// watches from the list's resourceVersion, lists again on `410 Gone`, and tells its handlers
/// about every change. Controllers read the copy (`get`, `list`, `byIndex`) instead of the server.
public actor Informer<T: APIObject> {
    public typealias Handler = @Sendable (InformerEvent<T>) async -> Void
    public typealias IndexFunction = @Sendable (T) -> [String]

    let client: APIClient
    let namespace: String?
    let labelSelector: String?
    let fieldSelector: String?
    let resyncPeriod: Duration?
    let logger: Logger

    private var items: [String: T] = [:]
    private var handlers: [Handler] = []
    private var indexFunctions: [String: IndexFunction] = [:]
    private var indices: [String: [String: Set<String>]] = [:]
    private var synced = false
    private var syncWaiters: [CheckedContinuation<Void, Never>] = []
    private(set) public var lastResourceVersion = ""

    public init(client: APIClient, namespace: String? = nil, labelSelector: String? = nil, fieldSelector: String? = nil,
                resyncPeriod: Duration? = nil, logger: Logger = Logger(label: "tug.informer")) {
        self.client = client
        self.namespace = namespace
        self.labelSelector = labelSelector
        self.fieldSelector = fieldSelector
        self.resyncPeriod = resyncPeriod
        self.logger = logger
    }

    /// `namespace/name`, or `name` for cluster-scoped objects: the key controllers queue.
    public static func key(_ obj: T) -> String { key(namespace: obj.metadata.namespace, name: obj.metadata.name ?? "") }

    public static func key(namespace: String?, name: String) -> String {
        if let ns = namespace, !ns.isEmpty { return "\(ns)/\(name)" }
        return name
    }

    public func addHandler(_ handler: @escaping Handler) { handlers.append(handler) }

    /// A named index: `function` gives the index values an object is found under.
    public func addIndex(_ name: String, _ function: @escaping IndexFunction) {
        indexFunctions[name] = function
        var index: [String: Set<String>] = [:]
        for (key, obj) in items { for v in function(obj) { index[v, default: []].insert(key) } }
        indices[name] = index
    }

    public func get(_ key: String) -> T? { items[key] }
    public func get(namespace: String?, name: String) -> T? { items[Self.key(namespace: namespace, name: name)] }
    public func list() -> [T] { Array(items.values) }
    public var count: Int { items.count }
    public var hasSynced: Bool { synced }

    public func byIndex(_ name: String, _ value: String) -> [T] {
        (indices[name]?[value] ?? []).compactMap { items[$0] }
    }

    /// Returns once the first list has been loaded.
    public func waitForSync() async {
        if synced { return }
        await withCheckedContinuation { syncWaiters.append($0) }
    }

    /// Lists and watches until the calling task is cancelled. Anyone still waiting for the
    /// first sync is released then (and finds the task cancelled).
    public func run() async {
        await listAndWatch()
        for w in syncWaiters { w.resume() }
        syncWaiters = []
    }

    private func listAndWatch() async {
        var needList = true
        var failures = 0
        var lastResync = ContinuousClock.now
        while !Task.isCancelled {
            do {
                if needList {
                    try await relist()
                    needList = false
                }
                let timeout = resyncPeriod.map { max(1, Int($0.components.seconds)) } ?? 300
                let events = try await client.watch(T.self, namespace: namespace, resourceVersion: lastResourceVersion,
                                                    labelSelector: labelSelector, fieldSelector: fieldSelector,
                                                    timeoutSeconds: min(timeout, 300))
                for try await event in events {
                    await apply(event)
                    failures = 0
                }
                if let period = resyncPeriod, ContinuousClock.now - lastResync >= period {
                    lastResync = ContinuousClock.now
                    await resync()
                }
            } catch let e as APIError where e.code == 410 {
                needList = true
            } catch is CancellationError {
                return
            } catch {
                if Task.isCancelled { return }
                failures += 1
                logger.debug("informer \(T.kind): \(error); retrying")
                // Back off (up to 5 s); list again after repeated failures in case history is gone.
                try? await Task.sleep(for: .milliseconds(min(5000, 100 << min(failures, 6))))
                if failures > 3 { needList = true }
            }
        }
    }

    private func relist() async throws {
        let list = try await client.listAll(T.self, namespace: namespace, labelSelector: labelSelector, fieldSelector: fieldSelector)
        var fresh: [String: T] = [:]
        for obj in list.items { fresh[Self.key(obj)] = obj }
        let old = items
        for (key, obj) in fresh {
            if let prev = old[key] {
                if prev != obj { await store(key, obj, event: .updated(old: prev, new: obj)) }
            } else {
                await store(key, obj, event: .added(obj))
            }
        }
        for (key, prev) in old where fresh[key] == nil { await remove(key, prev) }
        lastResourceVersion = list.metadata.resourceVersion ?? ""
        if !synced {
            synced = true
            for w in syncWaiters { w.resume() }
            syncWaiters = []
        }
    }

    private func apply(_ event: WatchEvent<T>) async {
        switch event {
        case .added(let obj), .modified(let obj):
            let key = Self.key(obj)
            if let rv = obj.metadata.resourceVersion { lastResourceVersion = rv }
            if let prev = items[key] {
                await store(key, obj, event: .updated(old: prev, new: obj))
            } else {
                await store(key, obj, event: .added(obj))
            }
        case .deleted(let obj):
            if let rv = obj.metadata.resourceVersion { lastResourceVersion = rv }
            let key = Self.key(obj)
            if items[key] != nil { await remove(key, obj) }
        case .bookmark(let rv):
            if !rv.isEmpty { lastResourceVersion = rv }
        }
    }

    private func store(_ key: String, _ obj: T, event: InformerEvent<T>) async {
        if let prev = items[key] { unindex(key, prev) }
        items[key] = obj
        for (name, f) in indexFunctions { for v in f(obj) { indices[name, default: [:]][v, default: []].insert(key) } }
        for h in handlers { await h(event) }
    }

    private func remove(_ key: String, _ obj: T) async {
        if let prev = items.removeValue(forKey: key) { unindex(key, prev) }
        for h in handlers { await h(.deleted(obj)) }
    }

    private func unindex(_ key: String, _ obj: T) {
        for (name, f) in indexFunctions {
            for v in f(obj) {
                indices[name]?[v]?.remove(key)
                if indices[name]?[v]?.isEmpty == true { indices[name]?[v] = nil }
            }
        }
    }

    private func resync() async {
        for obj in items.values { for h in handlers { await h(.updated(old: obj, new: obj)) } }
    }
}
