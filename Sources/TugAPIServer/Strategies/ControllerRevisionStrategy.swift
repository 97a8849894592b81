import Foundation
import TugAPI

/// ControllerRevisions: a non-negative revision and data that never changes.
public struct ControllerRevisionStrategy: ResourceStrategy {
    public typealias Object = AppsV1.ControllerRevision
    public let info: ResourceInfo
    public init(info: ResourceInfo) { self.info = info }

    public func validate(_ obj: AppsV1.ControllerRevision) -> [FieldError] {
        WorkloadValidation.nonNegative([(obj.revision, "revision")])
    }

    public func validateUpdate(_ new: AppsV1.ControllerRevision, old: AppsV1.ControllerRevision) -> [FieldError] {
        GoFormat.immutable(new.data, old.data, path: "data")
    }

    public var tableColumns: [TableColumn] {
        [.name, .string("Controller", "Controller of the object"), .integer("Revision", "Revision indicates the revision of the state represented by Data."), .age]
    }

    public func tableCells(_ obj: AppsV1.ControllerRevision, now: Date) -> [JSONValue] {
        var controller = "<none>"
        if let ref = obj.metadata.ownerReferences?.first(where: { $0.controller == true }) {
            let apiVersion = ref.apiVersion ?? ""
            let group = apiVersion.contains("/") ? String(apiVersion.split(separator: "/")[0]) : ""
            let kind = ref.kind ?? ""
            let groupKind = group.isEmpty ? kind : "\(kind).\(group)"
            controller = groupKind.isEmpty ? (ref.name ?? "") : "\(groupKind.lowercased())/\(ref.name ?? "")"
        }
        return [TableFormat.name(obj), .string(controller), TableFormat.int(obj.revision), TableFormat.age(obj, now)]
    }
}
