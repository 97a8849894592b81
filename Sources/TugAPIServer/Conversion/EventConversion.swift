import Foundation
import TugAPI

/// `events.k8s.io/v1` Events are core `v1` Events in storage, as in Kubernetes: the same
/// objects under other field names (`regarding` is `involvedObject`, `note` is `message`, …).
struct EventConversion: ResourceConversion {
    /// core name → events.k8s.io name
    static let renames: [(String, String)] = [
        ("involvedObject", "regarding"), ("message", "note"), ("reportingComponent", "reportingController"),
        ("source", "deprecatedSource"), ("firstTimestamp", "deprecatedFirstTimestamp"),
        ("lastTimestamp", "deprecatedLastTimestamp"), ("count", "deprecatedCount"),
    ]

    func toServed(_ stored: JSONValue) throws -> JSONValue {
        guard var o = stored.objectValue else { return stored }
        if o["apiVersion"] != nil { o["apiVersion"] = "events.k8s.io/v1" }
        for (core, events) in Self.renames { JSONMove.rename(&o, core, events) }
        return .object(o)
    }

    func toStorage(_ served: JSONValue) throws -> JSONValue {
        guard var o = served.objectValue else { return served }
        if o["apiVersion"] != nil { o["apiVersion"] = "v1" }
        for (core, events) in Self.renames { JSONMove.rename(&o, events, core) }
        return .object(o)
    }
}
