import Foundation
import TugAPI

/// One event in Kubernetes' internal shape, which both `v1` and `events.k8s.io/v1` Events
/// convert to: their validation, field selectors and table rows are shared.
struct EventFields {
    var meta: MetaV1.ObjectMeta
    var involved: CoreV1.ObjectReference
    var reason: String
    var message: String
    var sourceComponent: String
    var sourceHost: String
    var firstTimestamp: Time?
    var lastTimestamp: Time?
    var count: Int
    var type: String
    var eventTime: MicroTime?
    var seriesCount: Int?
    var seriesLastObserved: MicroTime?
    var action: String
    var reportingController: String
    var reportingInstance: String

    init(_ e: CoreV1.Event) {
        meta = e.metadata
        involved = e.involvedObject ?? CoreV1.ObjectReference()
        reason = e.reason ?? ""
        message = e.message ?? ""
        sourceComponent = e.source?.component ?? ""
        sourceHost = e.source?.host ?? ""
        firstTimestamp = e.firstTimestamp
        lastTimestamp = e.lastTimestamp
        count = e.count ?? 0
        type = e.type ?? ""
        eventTime = e.eventTime
        seriesCount = e.series.map { $0.count ?? 0 }
        seriesLastObserved = e.series?.lastObservedTime
        action = e.action ?? ""
        reportingController = e.reportingComponent ?? ""
        reportingInstance = e.reportingInstance ?? ""
    }

    init(_ e: EventsV1.Event) {
        meta = e.metadata
        involved = e.regarding ?? CoreV1.ObjectReference()
        reason = e.reason ?? ""
        message = e.note ?? ""
        sourceComponent = e.deprecatedSource?.component ?? ""
        sourceHost = e.deprecatedSource?.host ?? ""
        firstTimestamp = e.deprecatedFirstTimestamp
        lastTimestamp = e.deprecatedLastTimestamp
        count = e.deprecatedCount ?? 0
        type = e.type ?? ""
        eventTime = e.eventTime
        seriesCount = e.series.map { $0.count ?? 0 }
        seriesLastObserved = e.series?.lastObservedTime
        action = e.action ?? ""
        reportingController = e.reportingController ?? ""
        reportingInstance = e.reportingInstance ?? ""
    }

    /// `ToSelectableFields`, keyed by the core/v1 field names.
    var selectable: [String: String] {
        ["involvedObject.kind": involved.kind ?? "", "involvedObject.namespace": involved.namespace ?? "",
         "involvedObject.name": involved.name ?? "", "involvedObject.uid": involved.uid ?? "",
         "involvedObject.apiVersion": involved.apiVersion ?? "", "involvedObject.resourceVersion": involved.resourceVersion ?? "",
         "involvedObject.fieldPath": involved.fieldPath ?? "", "reason": reason, "reportingComponent": reportingController,
         "source": sourceComponent.isEmpty ? reportingController : sourceComponent, "type": type]
    }

    /// `legacyValidateEvent`: the namespace agrees with the involved object's; events with an
    /// `eventTime` (the new API) name their reporter, action and reason within limits.
    func legacyValidate(reportingControllerField: String) -> [FieldError] {
        var errs: [FieldError] = []
        let namespace = meta.namespace ?? ""
        let involvedNamespace = involved.namespace ?? ""
        if eventTime == nil {
            if involvedNamespace.isEmpty {
                if !namespace.isEmpty && namespace != "default" {
                    errs.append(.invalid("involvedObject.namespace", involvedNamespace, "does not match event.namespace"))
                }
            } else if namespace != involvedNamespace {
                errs.append(.invalid("involvedObject.namespace", involvedNamespace, "does not match event.namespace"))
            }
        } else {
            if involvedNamespace.isEmpty && namespace != "default" && namespace != "kube-system" {
                errs.append(.invalid("involvedObject.namespace", involvedNamespace, "does not match event.namespace"))
            }
            if reportingController.isEmpty { errs.append(.required(reportingControllerField)) }
            errs += Validation.isQualifiedName(reportingController).map { FieldError.invalid(reportingControllerField, reportingController, $0) }
            if reportingInstance.isEmpty { errs.append(.required("reportingInstance")) }
            if reportingInstance.utf8.count > 128 { errs.append(.invalid("reportingInstance", "", "can have at most 128 characters")) }
            if action.isEmpty { errs.append(.required("action")) }
            if action.utf8.count > 128 { errs.append(.invalid("action", "", "can have at most 128 characters")) }
            if reason.isEmpty { errs.append(.required("reason")) }
            if reason.utf8.count > 128 { errs.append(.invalid("reason", "", "can have at most 128 characters")) }
            if message.utf8.count > 1024 { errs.append(.invalid("message", "", "can have at most 1024 characters")) }
        }
        errs += Validation.isDNS1123Subdomain(namespace).map { FieldError.invalid("namespace", namespace, $0) }
        return errs
    }

    // MARK: table (`printEvent`)

    static let columns: [TableColumn] = [
        .string("Last Seen", "The time at which the most recent occurrence of this event was recorded."),
        .string("Type", "Type of this event (Normal, Warning), new types could be added in the future"),
        .string("Reason", "This should be a short, machine understandable string that gives the reason for the transition into the object's current status."),
        .string("Object", "The object that this event is about."),
        .string("Subobject", "If referring to a piece of an object instead of an entire object, this string should contain a valid JSON/Go field access statement.", priority: 1),
        .string("Source", "The component reporting this event. Should be a short machine understandable string.", priority: 1),
        .string("Message", "A human-readable description of the status of this operation."),
        .string("First Seen", "The time at which the event was first recorded. (Time of server receipt is in TypeMeta.)", priority: 1),
        .string("Count", "The number of times this event has occurred.", priority: 1),
        TableColumn("Name", format: "name", description: "Name must be unique within a namespace.", priority: 1),
    ]

    func cells(now: Date) -> [JSONValue] {
        let first = firstTimestamp != nil ? TableFormat.since(firstTimestamp, now) : TableFormat.since(eventTime, now)
        var last = lastTimestamp != nil ? TableFormat.since(lastTimestamp, now) : first
        var count = self.count
        if let seriesCount {
            last = TableFormat.since(seriesLastObserved, now)
            count = seriesCount
        } else if count == 0 {
            count = 1
        }
        let kind = (involved.kind ?? "").lowercased()
        let target = (involved.name ?? "").isEmpty ? kind : "\(kind)/\(involved.name!)"
        let component = sourceComponent.isEmpty ? reportingController : sourceComponent
        let instance = sourceHost.isEmpty ? reportingInstance : sourceHost
        let source = instance.isEmpty ? component : "\(component), \(instance)"
        return [.string(last), .string(type), .string(reason), .string(target), .string(involved.fieldPath ?? ""), .string(source),
                .string(message.trimmingCharacters(in: .whitespacesAndNewlines)), .string(first), .int(Int64(count)),
                .string(meta.name ?? "")]
    }
}
