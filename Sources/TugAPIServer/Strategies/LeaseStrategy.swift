import Foundation
import TugAPI

/// Leases: positive durations, non-negative transitions, a preferred holder only with a
/// strategy; PUT may create (leader election relies on it).
public struct LeaseStrategy: ResourceStrategy {
    public typealias Object = CoordinationV1.Lease
    public let info: ResourceInfo
    public init(info: ResourceInfo) { self.info = info }

    public var allowCreateOnUpdate: Bool { true }

    public func validate(_ obj: CoordinationV1.Lease) -> [FieldError] {
        guard let spec = obj.spec else { return [] }
        var errs: [FieldError] = []
        if let d = spec.leaseDurationSeconds, d <= 0 { errs.append(.invalid("spec.leaseDurationSeconds", d, "must be greater than 0")) }
        if let t = spec.leaseTransitions, t < 0 { errs.append(.invalid("spec.leaseTransitions", t, "must be greater than or equal to 0")) }
        if let s = spec.strategy {
            // Without a domain only Kubernetes' own strategies; with one, any qualified name.
            if !s.contains("/") {
                if s != "OldestEmulationVersion" { errs.append(.notSupported("spec.strategy", s, ["OldestEmulationVersion"])) }
            } else {
                errs += Validation.isQualifiedName(s).map { FieldError.invalid("spec.strategy", s, $0) }
            }
        }
        if let h = spec.preferredHolder, !h.isEmpty, (spec.strategy ?? "").isEmpty {
            errs.append(.forbidden("spec.preferredHolder", "may only be specified if `strategy` is defined"))
        }
        return errs
    }

    public var tableColumns: [TableColumn] {
        [.name, .string("Holder", "holderIdentity contains the identity of the holder of a current lease."), .age]
    }

    public func tableCells(_ obj: CoordinationV1.Lease, now: Date) -> [JSONValue] {
        [TableFormat.name(obj), .string(obj.spec?.holderIdentity ?? ""), TableFormat.age(obj, now)]
    }
}
