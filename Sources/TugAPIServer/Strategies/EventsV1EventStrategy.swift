import Foundation
import TugAPI

/// events.k8s.io/v1 Events: the strict rules of the new API on create (eventTime, reporter,
/// no deprecated fields), most fields fixed afterwards, selectors under the new names.
public struct EventsV1EventStrategy: ResourceStrategy {
    public typealias Object = EventsV1.Event
    public let info: ResourceInfo
    public init(info: ResourceInfo) { self.info = info }

    public var allowCreateOnUpdate: Bool { true }

    public func validate(_ obj: EventsV1.Event) -> [FieldError] {
        let e = EventFields(obj)
        var errs = e.legacyValidate(reportingControllerField: "reportingController")
        if let count = e.seriesCount {
            if count < 2 { errs.append(.invalid("series.count", "", "should be at least 2")) }
            if e.seriesLastObserved == nil { errs.append(.required("series.lastObservedTime")) }
        }
        if e.eventTime == nil { errs.append(.required("eventTime")) }
        if e.type != "Normal" && e.type != "Warning" { errs.append(.invalid("type", "", "has invalid value: \(e.type)")) }
        if e.firstTimestamp != nil { errs.append(.invalid("deprecatedFirstTimestamp", "", "needs to be unset")) }
        if e.lastTimestamp != nil { errs.append(.invalid("deprecatedLastTimestamp", "", "needs to be unset")) }
        if e.count != 0 { errs.append(.invalid("deprecatedCount", "", "needs to be unset")) }
        if !e.sourceComponent.isEmpty || !e.sourceHost.isEmpty { errs.append(.invalid("deprecatedSource", "", "needs to be unset")) }
        return errs
    }

    /// What happened, to what and who said so may not change; only the series and note-free
    /// bookkeeping may.
    public func validateUpdate(_ new: EventsV1.Event, old: EventsV1.Event) -> [FieldError] {
        var errs = GoFormat.immutable(new.regarding, old.regarding, path: "regarding")
        errs += GoFormat.immutableString(new.reason, old.reason, path: "reason")
        errs += GoFormat.immutableString(new.note, old.note, path: "note")
        errs += GoFormat.immutableString(new.type, old.type, path: "type")
        errs += GoFormat.immutable(new.eventTime, old.eventTime, path: "eventTime")
        errs += GoFormat.immutableString(new.action, old.action, path: "action")
        errs += GoFormat.immutable(new.related, old.related, path: "related")
        errs += GoFormat.immutableString(new.reportingController, old.reportingController, path: "reportingController")
        errs += GoFormat.immutableString(new.reportingInstance, old.reportingInstance, path: "reportingInstance")
        return errs
    }

    /// The new API's names, mapped onto the same values core/v1 selects on.
    static let fieldMap = ["regarding.kind": "involvedObject.kind", "regarding.namespace": "involvedObject.namespace",
                           "regarding.name": "involvedObject.name", "regarding.uid": "involvedObject.uid",
                           "regarding.apiVersion": "involvedObject.apiVersion",
                           "regarding.resourceVersion": "involvedObject.resourceVersion",
                           "regarding.fieldPath": "involvedObject.fieldPath", "reason": "reason",
                           "reportingController": "reportingComponent", "type": "type"]

    public var selectableFieldNames: [String] { Self.fieldMap.keys.sorted() }

    public func selectableFields(_ obj: EventsV1.Event) -> [String: String] {
        let fields = EventFields(obj).selectable
        return Self.fieldMap.mapValues { fields[$0] ?? "" }
    }

    public var tableColumns: [TableColumn] { EventFields.columns }
    public func tableCells(_ obj: EventsV1.Event, now: Date) -> [JSONValue] { EventFields(obj).cells(now: now) }
}
