import Foundation
import TugAPI

/// What differs between resources: defaults, validation, what create/update may change, table
/// columns and field selectors. `ResourceStore` does everything else the same way for all kinds.
public protocol ResourceStrategy: Sendable {
    associatedtype Object: APIObject
    var info: ResourceInfo { get }

    /// Kubernetes' SetDefaults for the kind, run on every create and update.
    func applyDefaults(_ obj: inout Object)
    /// Resets what a create may not set (usually `status`).
    func prepareForCreate(_ obj: inout Object)
    /// Keeps what an update of the main resource may not change (usually `status`).
    func prepareForUpdate(_ new: inout Object, old: Object)
    func validate(_ obj: Object) -> [FieldError]
    /// How `metadata.name` is checked: a DNS subdomain unless the kind says otherwise
    /// (namespaces and services are DNS labels, RBAC names are path segments).
    var nameValidator: Validation.NameValidator { get }
    /// Update-only rules (immutable fields); `validate` runs too.
    func validateUpdate(_ new: Object, old: Object) -> [FieldError]

    /// Whether `metadata.generation` tracks spec changes for this kind.
    var tracksGeneration: Bool { get }
    /// Whether PUT may create a missing object.
    var allowCreateOnUpdate: Bool { get }
    /// Field-selector values for this object; `metadata.name` and `metadata.namespace` are added by the store.
    func selectableFields(_ obj: Object) -> [String: String]
    /// The field names `selectableFields` provides (others answer 400).
    var selectableFieldNames: [String] { get }

    /// Table output (`kubectl get`): columns, then one row of cells per object.
    var tableColumns: [TableColumn] { get }
    func tableCells(_ obj: Object, now: Date) -> [JSONValue]

    /// Subresource `status`: copies the status (and only it) from `new` onto `old`.
    func prepareForStatusUpdate(_ new: Object, old: Object) -> Object
    func validateStatusUpdate(_ new: Object, old: Object) -> [FieldError]

    /// Seconds before a deleted object goes away; 0 deletes at once (all kinds but bound pods).
    func gracePeriod(for obj: Object, requested: Int?) -> Int
    /// Status changes that come with a deletion (a namespace becomes Terminating).
    func prepareForDeletion(_ obj: inout Object)
    /// Whether a deleted object must wait for more than its `metadata.finalizers` (a namespace
    /// waits for its `spec.finalizers`, which the namespace controller clears via `finalize`).
    func hasPendingFinalization(_ obj: Object) -> Bool
    /// Subresource `finalize`: `old` with what `new` may change there, or nil when the kind has none.
    func prepareForFinalize(_ new: Object, old: Object) -> Object?
    /// `scale` subresource support: nil when the kind has none.
    var scale: ScaleAccess<Object>? { get }
}

/// How the `scale` subresource reads and writes a kind's replicas.
public struct ScaleAccess<Object>: Sendable {
    public var specReplicas: @Sendable (Object) -> Int
    public var setSpecReplicas: @Sendable (inout Object, Int) -> Void
    public var statusReplicas: @Sendable (Object) -> Int
    /// The label selector as a string (`app=web`), as `Scale.status.selector` carries it.
    public var selector: @Sendable (Object) -> String
    public init(specReplicas: @escaping @Sendable (Object) -> Int, setSpecReplicas: @escaping @Sendable (inout Object, Int) -> Void,
                statusReplicas: @escaping @Sendable (Object) -> Int, selector: @escaping @Sendable (Object) -> String) {
        self.specReplicas = specReplicas
        self.setSpecReplicas = setSpecReplicas
        self.statusReplicas = statusReplicas
        self.selector = selector
    }
}

/// A `kubectl get` column (`meta.k8s.io/v1` `TableColumnDefinition`). Priority 1 shows with `-o wide` only.
public struct TableColumn: Sendable, Hashable {
    public var name: String
    public var type: String
    public var format: String
    public var description: String
    public var priority: Int
    public init(_ name: String, type: String = "string", format: String = "", description: String = "", priority: Int = 0) {
        self.name = name
        self.type = type
        self.format = format
        self.description = description.isEmpty ? name : description
        self.priority = priority
    }
    public static let name = TableColumn("Name", format: "name", description: "Name must be unique within a namespace.")
    public static let age = TableColumn("Age", description: "CreationTimestamp is a timestamp representing the server time when this object was created.")
}

extension ResourceStrategy {
    public func applyDefaults(_ obj: inout Object) {}
    public func prepareForCreate(_ obj: inout Object) {}
    public func prepareForUpdate(_ new: inout Object, old: Object) {}
    public func validate(_ obj: Object) -> [FieldError] { [] }
    public var nameValidator: Validation.NameValidator { Validation.nameIsDNSSubdomain }
    public func validateUpdate(_ new: Object, old: Object) -> [FieldError] { [] }
    public var tracksGeneration: Bool { false }
    public var allowCreateOnUpdate: Bool { false }
    public func selectableFields(_ obj: Object) -> [String: String] { [:] }
    public var selectableFieldNames: [String] { [] }
    public var tableColumns: [TableColumn] { [.name, .age] }
    public func tableCells(_ obj: Object, now: Date) -> [JSONValue] {
        [.string(obj.metadata.name ?? ""), .string(Age.since(obj.metadata.creationTimestamp, now: now))]
    }
    public func prepareForStatusUpdate(_ new: Object, old: Object) -> Object { new }
    public func validateStatusUpdate(_ new: Object, old: Object) -> [FieldError] { [] }
    public func gracePeriod(for obj: Object, requested: Int?) -> Int { 0 }
    public func prepareForDeletion(_ obj: inout Object) {}
    public func hasPendingFinalization(_ obj: Object) -> Bool { false }
    public func prepareForFinalize(_ new: Object, old: Object) -> Object? { nil }
    public var scale: ScaleAccess<Object>? { nil }
}

extension ResourceStrategy {
    /// Everything a create is checked against: object metadata (with the kind's name rule) and the kind's own rules.
    func createErrors(_ obj: Object) -> [FieldError] {
        Validation.validateObjectMeta(obj.metadata, namespaced: info.namespaced, nameValidator: nameValidator) + validate(obj)
    }

    /// Everything an update is checked against: metadata immutability and rules, then the kind's rules.
    func updateErrors(_ new: Object, old: Object) -> [FieldError] {
        Validation.validateObjectMetaUpdate(new.metadata, old: old.metadata) + validate(new) + validateUpdate(new, old: old)
    }
}

/// kubectl's short ages: `45s`, `3m12s`, `5h`, `2d3h`, `400d`.
public enum Age {
    public static func since(_ t: Time?, now: Date) -> String {
        guard let t else { return "<unknown>" }
        return format(now.timeIntervalSince(t.date))
    }

    public static func format(_ seconds: TimeInterval) -> String {
        let s = Int(max(0, seconds))
        if s < 120 { return "\(s)s" }
        let m = s / 60
        if m < 10 { return s % 60 == 0 ? "\(m)m" : "\(m)m\(s % 60)s" }
        if m < 180 { return "\(m)m" }
        let h = m / 60
        if h < 8 { return m % 60 == 0 ? "\(h)h" : "\(h)h\(m % 60)m" }
        if h < 48 { return "\(h)h" }
        let d = h / 24
        if d < 8 { return h % 24 == 0 ? "\(d)d" : "\(d)d\(h % 24)h" }
        if d < 365 * 2 { return "\(d)d" }
        return "\(d / 365)y"
    }
}
