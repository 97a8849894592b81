import Foundation

/// How one position in an API object merges, for strategic merge patch and server-side apply.
///
/// The patch engines walk a `PatchMeta` alongside the JSON they merge: `child` for an object's
/// fields (or a map's entries), `listElement` for a list's items. A nil `PatchMeta` means the type
/// is unknown (custom resources, `RawExtension`): maps then merge key by key and lists are
/// replaced whole, which is JSON merge patch semantics, as Kubernetes does for such data.
public protocol PatchMeta: Sendable {
    /// The metadata of the value stored under `field` when this position holds an object.
    func child(_ field: String) -> (any PatchMeta)?
    /// The metadata of each item when this position holds a list.
    func listElement() -> (any PatchMeta)?
    /// Strategic merge patch strategy of this field (`patchStrategy` tag).
    var strategy: PatchStrategy { get }
    /// Strategic merge patch key for a list of objects (`patchMergeKey` tag).
    var mergeKey: String? { get }
    /// Server-side apply semantics of a list at this position (`+listType`).
    var listType: ListType { get }
    /// Defaults of list-map key fields an item may omit (`protocol` of a port is `TCP`).
    var keyDefaults: [String: JSONValue] { get }
    /// Server-side apply treats the whole object as one value (`+structType=atomic`, `+mapType=atomic`).
    var isAtomic: Bool { get }
    /// True for a struct (fixed, named fields), false for a map with arbitrary keys.
    var hasNamedFields: Bool { get }
    /// A readable name of the type, for error messages.
    var typeName: String { get }
}

extension PatchMeta {
    public var keyDefaults: [String: JSONValue] { [:] }
    public var typeName: String { "" }

    /// A field the struct declares, as opposed to an entry of a map (apply counts a declared
    /// field as owned once any field below it is).
    public func isNamedField(_ field: String) -> Bool {
        hasNamedFields && child(field) != nil
    }
}

/// `patchStrategy` as Kubernetes spells it: `merge`, `replace`, `retainKeys`, or a combination.
public struct PatchStrategy: OptionSet, Sendable, Hashable {
    public let rawValue: Int
    public init(rawValue: Int) { self.rawValue = rawValue }

    public static let merge = PatchStrategy(rawValue: 1)
    public static let replace = PatchStrategy(rawValue: 2)
    public static let retainKeys = PatchStrategy(rawValue: 4)

    /// Parses a tag value such as `merge,retainKeys`; unknown words are ignored.
    public init(tag: String) {
        var s: PatchStrategy = []
        for word in tag.split(separator: ",") {
            switch word.trimmingCharacters(in: .whitespaces) {
            case "merge": s.insert(.merge)
            case "replace": s.insert(.replace)
            case "retainKeys": s.insert(.retainKeys)
            default: break
            }
        }
        self = s
    }
}

/// How server-side apply treats a list: replaced whole, a set of scalars, or a map keyed by fields.
public enum ListType: Sendable, Hashable {
    case atomic
    case set
    case map(keys: [String])
}
