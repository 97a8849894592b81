import Foundation
import TugAPI

/// Records core/v1 Events about an object, as components do for `kubectl describe`.
public enum Events {
    /// `fieldPath` names the part of the object it is about (`spec.containers{web}`, as kubelet
    /// sets it); `host` the node that saw it.
    public static func record<T: APIObject>(client: APIClient, regarding obj: T, type: String, reason: String, message: String,
                                            component: String, fieldPath: String? = nil, host: String? = nil) async {
        var e = CoreV1.Event(metadata: MetaV1.ObjectMeta())
        let now = Time.now()
        e.metadata.name = "\(obj.metadata.name ?? "object").\(String(UInt64.random(in: 0...UInt64.max), radix: 16))"
        e.metadata.namespace = obj.metadata.namespace ?? "default"
        e.involvedObject = CoreV1.ObjectReference(kind: T.kind, namespace: obj.metadata.namespace, name: obj.metadata.name,
                                                  uid: obj.metadata.uid, apiVersion: T.apiVersion, resourceVersion: obj.metadata.resourceVersion,
                                                  fieldPath: fieldPath)
        e.reason = reason
        e.message = message
        e.type = type
        e.source = CoreV1.EventSource(component: component, host: host)
        e.firstTimestamp = now
        e.lastTimestamp = now
        e.count = 1
        e.reportingComponent = component
        e.reportingInstance = host ?? component
        // Best effort: an Event that cannot be written is not worth failing the work for.
        try? await client.createDiscardingResult(e)
    }
}
