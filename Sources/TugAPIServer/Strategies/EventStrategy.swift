import Foundation
import TugAPI

/// core/v1 Events: any PUT may create one; legacy validation (namespace agreement, new-style
/// reporter fields); the field selectors `kubectl describe` uses; kubectl's columns.
public struct EventStrategy: ResourceStrategy {
    public typealias Object = CoreV1.Event
    public let info: ResourceInfo
    public init(info: ResourceInfo) { self.info = info }

    public var allowCreateOnUpdate: Bool { true }

    public func validate(_ obj: CoreV1.Event) -> [FieldError] {
        EventFields(obj).legacyValidate(reportingControllerField: "reportingComponent")
    }

    public static let fieldNames = ["involvedObject.kind", "involvedObject.namespace", "involvedObject.name", "involvedObject.uid",
                                    "involvedObject.apiVersion", "involvedObject.resourceVersion", "involvedObject.fieldPath",
                                    "reason", "reportingComponent", "source", "type"]

    public var selectableFieldNames: [String] { Self.fieldNames }
    public func selectableFields(_ obj: CoreV1.Event) -> [String: String] { EventFields(obj).selectable }

    public var tableColumns: [TableColumn] { EventFields.columns }
    public func tableCells(_ obj: CoreV1.Event, now: Date) -> [JSONValue] { EventFields(obj).cells(now: now) }
}
