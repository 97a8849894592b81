import Foundation
import NIOCore
import Synchronization
import TugAPI

/// One object as the watch cache keeps it: the bytes sent to clients (resourceVersion already
/// set) plus what label and field selectors look at, decoded once when the event arrives.
public final class CachedObject: Sendable {
    public let key: String
    public let namespace: String?
    public let name: String
    public let revision: Int64
    public let bytes: [UInt8]
    public let labels: [String: String]
    public let fields: [String: String]

    public init(key: String, namespace: String?, name: String, revision: Int64, bytes: [UInt8],
                labels: [String: String], fields: [String: String]) {
        self.key = key
        self.namespace = namespace
        self.name = name
        self.revision = revision
        self.bytes = bytes
        self.labels = labels
        self.fields = fields
    }
}

/// A typed object decoded at most once and shared; holds whatever type was decoded first.
public final class TypedMemo: Sendable {
    private let stored: Mutex<(any Sendable)?>

    public init(_ value: (any Sendable)? = nil) { stored = Mutex(value) }

    /// The stored value when it is a `T`, else `make()` (kept if nothing was stored yet).
    public func value<T: Sendable>(_ make: () throws -> T) rethrows -> T {
        if let v = stored.withLock({ $0 as? T }) { return v }
        let v = try make()
        stored.withLock { if $0 == nil { $0 = v } }
        return v
    }
}

/// What the cache keeps about an object besides its bytes: what label and field selectors read,
/// and the typed object (resourceVersion set) when computing the fields decoded it.
public struct ObjectAttributes: Sendable {
    public var labels: [String: String]
    public var fields: [String: String]
    public var typed: (any Sendable)?

    public init(labels: [String: String], fields: [String: String] = [:], typed: (any Sendable)? = nil) {
        self.labels = labels
        self.fields = fields
        self.typed = typed
    }
}

public enum WatchEventType: String, Sendable {
    case added = "ADDED", modified = "MODIFIED", deleted = "DELETED", bookmark = "BOOKMARK", error = "ERROR"
}

/// A change as watchers see it; `previous` lets a filtered watch turn a MODIFIED that leaves the
/// selection into a DELETED, as Kubernetes does.
/// A class: one event goes to every watcher, and each copy of a reference costs one
/// reference-count update instead of one per field.
public final class CacheEvent: Sendable {
    public let type: WatchEventType
    public let object: CachedObject
    public let previous: CachedObject?
    /// The object decoded, for watchers inside the process (shared by all of them; set at once
    /// when the cache decoded the object anyway for its field selectors).
    public let typed: TypedMemo
    /// The JSON watch line (`{"type":…,"object":…}\n`), encoded once and shared by every
    /// watcher that receives this event.
    public let line: ByteBuffer
    public var revision: Int64 { object.revision }

    public init(type: WatchEventType, object: CachedObject, previous: CachedObject?, typed: TypedMemo = TypedMemo()) {
        self.type = type
        self.object = object
        self.previous = previous
        self.typed = typed
        var line = ByteBuffer()
        line.reserveCapacity(object.bytes.count + 40)
        line.writeString("{\"type\":\"\(type.rawValue)\",\"object\":")
        line.writeBytes(object.bytes)
        line.writeString("}\n")
        self.line = line
    }
}

/// Which objects a list or watch wants: namespace plus label and field selectors.
public struct ObjectFilter: Sendable {
    public var namespace: String?
    public var predicate: (@Sendable (_ labels: [String: String], _ fields: [String: String]) -> Bool)?

    public init(namespace: String? = nil, predicate: (@Sendable ([String: String], [String: String]) -> Bool)? = nil) {
        self.namespace = namespace
        self.predicate = predicate
    }

    public func matches(_ o: CachedObject) -> Bool {
        if let ns = namespace, o.namespace != ns { return false }
        return predicate?(o.labels, o.fields) ?? true
    }

    /// The event this filter's watcher should receive, or nil.
    func translate(_ e: CacheEvent) -> CacheEvent? {
        let now = matches(e.object)
        let before = e.previous.map(matches) ?? false
        switch e.type {
        case .added: return now ? e : nil
        case .deleted: return (e.previous.map(matches) ?? now) ? e : nil
        case .modified:
            if now && before { return e }
            if now { return CacheEvent(type: .added, object: e.object, previous: nil, typed: e.typed) }
            if before { return CacheEvent(type: .deleted, object: e.object, previous: e.previous, typed: e.typed) }
            return nil
        default: return e
        }
    }
}

/// What a watch stream carries.
public enum WatchItem: Sendable {
    case event(CacheEvent)
    /// A bookmark at a revision; `initialEventsEnd` marks the end of a watch-list's initial events.
    case bookmark(Int64, initialEventsEnd: Bool)
}
