import Foundation
import TugAPI
@testable import TugAPIServer

/// Runs strategies the way `ResourceStore` does, without a store.
enum StrategyHarness {
    /// 2026-01-01T00:00:00Z
    static let t0 = Date(timeIntervalSince1970: 1_767_225_600)

    static func info(_ group: String, _ resource: String) -> ResourceInfo {
        ResourceCatalog.all.first { $0.group == group && $0.resource == resource }!
    }

    static func decode<O: APIObject>(_ json: JSONValue, as: O.Type) throws -> O {
        try json.decode(as: O.self)
    }

    /// applyDefaults, prepareForCreate, metadata and kind validation — the create path.
    static func create<S: ResourceStrategy>(_ s: S, _ json: JSONValue, uid: String = "0b7e6f2a-uid") throws -> (S.Object, [FieldError]) {
        var obj = try json.decode(as: S.Object.self)
        obj.metadata.uid = uid
        obj.metadata.creationTimestamp = Time(t0)
        if s.info.namespaced && obj.metadata.namespace == nil { obj.metadata.namespace = "default" }
        s.applyDefaults(&obj)
        s.prepareForCreate(&obj)
        return (obj, s.createErrors(obj))
    }

    /// applyDefaults, prepareForUpdate, metadata update rules, validate and validateUpdate — the update path.
    static func update<S: ResourceStrategy>(_ s: S, old: S.Object, _ change: (inout S.Object) -> Void) -> (S.Object, [FieldError]) {
        var old = old
        if (old.metadata.resourceVersion ?? "").isEmpty { old.metadata.resourceVersion = "1" }
        var new = old
        change(&new)
        s.applyDefaults(&new)
        s.prepareForUpdate(&new, old: old)
        return (new, s.updateErrors(new, old: old))
    }

    /// A table row's cells as plain strings (numbers and booleans printed).
    static func cells<S: ResourceStrategy>(_ s: S, _ obj: S.Object, now: Date = t0.addingTimeInterval(3600)) -> [String] {
        s.tableCells(obj, now: now).map { cell in
            switch cell {
            case .string(let v): return v
            case .int(let i): return String(i)
            case .bool(let b): return String(b)
            default: return "\(cell)"
            }
        }
    }

    static func fields(_ errs: [FieldError]) -> [String] { errs.map(\.field) }
}
