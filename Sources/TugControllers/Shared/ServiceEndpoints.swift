import Foundation
import TugAPI
import TugClient

/// What the Endpoints and EndpointSlice controllers agree on: which pods back a Service,
/// at which address and port, and when a pod change matters to them.
public enum ServiceEndpoints {
    public static let lastChangeTriggerTime = "endpoints.kubernetes.io/last-change-trigger-time"
    public static let overCapacity = "endpoints.kubernetes.io/over-capacity"
    public static let headless = "service.kubernetes.io/headless"

    /// The selector a controller follows; nil for services it leaves alone (no selector, as
    /// users manage their endpoints then, or ExternalName). An empty map counts as none:
    /// Kubernetes' storage cannot tell `{}` from absent.
    static func selector(_ svc: CoreV1.Service) -> Labels.Selector? {
        guard svc.spec?.type != "ExternalName", let s = svc.spec?.selector, !s.isEmpty else { return nil }
        return Labels.Selector(matching: s)
    }

    /// A cluster IP is allocated (neither empty nor `None`); otherwise the endpoints carry the
    /// headless label.
    static func isServiceIPSet(_ svc: CoreV1.Service) -> Bool {
        let ip = svc.spec?.clusterIP ?? ""
        return !ip.isEmpty && ip != "None"
    }

    /// Terminal pods and pods without an IP never count; terminating ones only when asked.
    static func shouldInclude(_ pod: CoreV1.Pod, includeTerminating: Bool) -> Bool {
        let phase = pod.status?.phase ?? ""
        if phase == "Succeeded" || phase == "Failed" { return false }
        if podIPs(pod).isEmpty { return false }
        return includeTerminating || pod.metadata.deletionTimestamp == nil
    }

    static func podIPs(_ pod: CoreV1.Pod) -> [String] {
        let ips = (pod.status?.podIPs ?? []).compactMap(\.ip).filter { !$0.isEmpty }
        if !ips.isEmpty { return ips }
        return [pod.status?.podIP].compactMap { $0 }.filter { !$0.isEmpty }
    }

    static func isIPv6(_ ip: String) -> Bool { ip.contains(":") }

    /// The pod's IP of the family the service serves (its first ipFamily, else by its
    /// cluster IP, else by the pod's primary IP, as Kubernetes picks it).
    static func address(_ pod: CoreV1.Pod, for svc: CoreV1.Service) -> String? {
        let ips = podIPs(pod)
        let v6: Bool
        if let family = svc.spec?.ipFamilies?.first {
            v6 = family == "IPv6"
        } else if isServiceIPSet(svc) {
            v6 = isIPv6(svc.spec?.clusterIP ?? "")
        } else {
            v6 = isIPv6(ips.first ?? "")
        }
        return ips.first { isIPv6($0) == v6 }
    }

    /// The container port a service port reaches on this pod: a number as is, a name looked
    /// up among the pod's container ports of the same protocol; nil when the pod lacks it.
    static func findPort(_ pod: CoreV1.Pod, _ port: CoreV1.ServicePort) -> Int? {
        switch port.targetPort {
        case .int(let n)?: return n == 0 ? port.port : n
        case nil: return port.port
        case .string(let name)?:
            let proto = port.protocol ?? "TCP"
            for c in pod.spec?.containers ?? [] {
                for p in c.ports ?? [] where p.name == name && (p.protocol ?? "TCP") == proto { return p.containerPort }
            }
            return nil
        }
    }

    /// A pod's own hostname is published when it names the service as its subdomain.
    static func hostname(_ pod: CoreV1.Pod, for svc: CoreV1.Service) -> String? {
        guard let h = pod.spec?.hostname, !h.isEmpty, pod.spec?.subdomain == svc.metadata.name,
              pod.metadata.namespace == svc.metadata.namespace else { return nil }
        return h
    }

    static func targetRef(_ pod: CoreV1.Pod) -> CoreV1.ObjectReference {
        CoreV1.ObjectReference(kind: "Pod", namespace: pod.metadata.namespace, name: pod.metadata.name, uid: pod.metadata.uid)
    }

    /// The labels the endpoints objects carry besides their own: the service's, plus the
    /// headless label while no cluster IP is set.
    static func labels(_ svc: CoreV1.Service, base: [String: String]) -> [String: String] {
        var labels = base
        if isServiceIPSet(svc) { labels[headless] = nil } else { labels[headless] = "" }
        return labels
    }

    /// The part of a pod the endpoints depend on; an update that leaves it alone is ignored.
    struct Projection: Equatable {
        let labels: [String: String]
        let ips: [String]
        let ready: Bool
        let terminating: Bool
        let phase: String?
        let nodeName: String?
        let hostname: String?
        let subdomain: String?
        let ports: [[CoreV1.ContainerPort]]

        init(_ p: CoreV1.Pod) {
            labels = p.metadata.labels ?? [:]
            ips = ServiceEndpoints.podIPs(p)
            ready = PodState.isReady(p)
            terminating = p.metadata.deletionTimestamp != nil
            phase = p.status?.phase
            nodeName = p.spec?.nodeName
            hostname = p.spec?.hostname
            subdomain = p.spec?.subdomain
            ports = (p.spec?.containers ?? []).map { $0.ports ?? [] }
        }
    }

    /// Queues the service keys that a service or pod change concerns. `queue` gets service keys
    /// (`namespace/name`).
    static func installHandlers(services: Informer<CoreV1.Service>, pods: Informer<CoreV1.Pod>, queue: WorkQueue) async {
        await services.addIndex(IndexNames.namespace) { [$0.metadata.namespace ?? ""] }
        await services.addHandler { event in
            switch event {
            case .added(let s), .updated(_, let s), .deleted(let s): await queue.add(Informer<CoreV1.Service>.key(s))
            }
        }
        @Sendable func matching(_ p: CoreV1.Pod) async -> [String] {
            await services.byIndex(IndexNames.namespace, p.metadata.namespace ?? "").filter { s in
                selector(s)?.matches(labels: p.metadata.labels ?? [:]) == true
            }.map { Informer<CoreV1.Service>.key($0) }
        }
        await pods.addHandler { event in
            switch event {
            case .added(let p), .deleted(let p):
                for key in await matching(p) { await queue.add(key) }
            case .updated(let old, let new):
                guard Projection(old) != Projection(new) else { return }
                for key in Set(await matching(old) + matching(new)) { await queue.add(key) }
            }
        }
    }
}
