import Foundation
import TugAPI

/// core/v1 Events: the field selectors `kubectl describe` uses, and kubectl's columns.
public struct EventStrategy: ResourceStrategy {
    public typealias Object = CoreV1.Event
    public let info: ResourceInfo
    public init(info: ResourceInfo) { self.info = info }

    public var allowCreateOnUpdate: Bool { true }

    public var selectableFieldNames: [String] {
        ["involvedObject.kind", "involvedObject.namespace", "involvedObject.name", "involvedObject.uid",
         "involvedObject.apiVersion", "involvedObject.resourceVersion", "involvedObject.fieldPath",
         "reason", "reportingComponent", "source", "type"]
    }

    public func selectableFields(_ e: CoreV1.Event) -> [String: String] {
        let o = e.involvedObject
        return ["involvedObject.kind": o?.kind ?? "", "involvedObject.namespace": o?.namespace ?? "",
                "involvedObject.name": o?.name ?? "", "involvedObject.uid": o?.uid ?? "",
                "involvedObject.apiVersion": o?.apiVersion ?? "", "involvedObject.resourceVersion": o?.resourceVersion ?? "",
                "involvedObject.fieldPath": o?.fieldPath ?? "", "reason": e.reason ?? "",
                "reportingComponent": e.reportingComponent ?? "", "source": e.source?.component ?? "", "type": e.type ?? ""]
    }

    public func validate(_ e: CoreV1.Event) -> [FieldError] {
        var errs: [FieldError] = []
        if (e.involvedObject?.name ?? "").isEmpty && (e.involvedObject?.kind ?? "").isEmpty { errs.append(.required("involvedObject")) }
        if let t = e.type, !t.isEmpty, !["Normal", "Warning"].contains(t) { errs.append(.notSupported("type", t, ["Normal", "Warning"])) }
        return errs
    }

    public var tableColumns: [TableColumn] {
        [TableColumn("Last Seen"), TableColumn("Type"), TableColumn("Reason"), TableColumn("Object"), TableColumn("Message")]
    }

    public func tableCells(_ e: CoreV1.Event, now: Date) -> [JSONValue] {
        let last = e.lastTimestamp ?? e.eventTime.map { Time($0.date) } ?? e.metadata.creationTimestamp
        let obj = "\((e.involvedObject?.kind ?? "").lowercased())/\(e.involvedObject?.name ?? "")"
        return [.string(Age.since(last, now: now)), .string(e.type ?? ""), .string(e.reason ?? ""), .string(obj), .string(e.message ?? "")]
    }
}
