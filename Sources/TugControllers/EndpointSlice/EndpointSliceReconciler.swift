import Foundation
import TugAPI

/// Plans the writes that make a service's EndpointSlices hold the desired endpoints, the way
/// Kubernetes' reconciler does: endpoints stay in the slice that has them (changed ones are
/// updated in place), slices left empty go, new endpoints fill slices already being updated,
/// then the unchanged slice they fit best, then new slices; a slice about to be deleted is
/// reused for one about to be created; a service with no endpoints keeps one empty placeholder.
struct EndpointSliceReconciler {
    static let serviceNameLabel = "kubernetes.io/service-name"
    static let managedByLabel = "endpointslice.kubernetes.io/managed-by"
    static let controllerName = "endpointslice-controller.k8s.io"

    /// What all endpoints of one slice share.
    struct Meta: Hashable {
        var ports: [DiscoveryV1.EndpointPort]
        var addressType: String
    }

    struct Plan {
        var create: [DiscoveryV1.EndpointSlice] = []
        var update: [DiscoveryV1.EndpointSlice] = []
        var delete: [DiscoveryV1.EndpointSlice] = []
        var isEmpty: Bool { create.isEmpty && update.isEmpty && delete.isEmpty }
    }

    let service: CoreV1.Service
    let maxEndpointsPerSlice: Int
    /// Set on every slice written (nil clears it).
    let triggerTime: String?

    /// Endpoints are the same endpoint when they have the same addresses and pod.
    static func key(_ e: DiscoveryV1.Endpoint) -> String {
        let ref = e.targetRef
        return (e.addresses ?? []).sorted().joined(separator: ",") + "/" + (ref?.namespace ?? "") + "/" + (ref?.name ?? "")
    }

    static func sortedPorts(_ ports: [DiscoveryV1.EndpointPort]?) -> [DiscoveryV1.EndpointPort] {
        (ports ?? []).sorted { ($0.name ?? "", $0.port ?? 0, $0.protocol ?? "") < ($1.name ?? "", $1.port ?? 0, $1.protocol ?? "") }
    }

    func reconcile(desired: [Meta: [DiscoveryV1.Endpoint]], existing: [DiscoveryV1.EndpointSlice]) -> Plan {
        var plan = Plan()
        var existingByMeta: [Meta: [DiscoveryV1.EndpointSlice]] = [:]
        for s in existing {
            let owned = s.metadata.ownerReferences?.contains { $0.uid == service.metadata.uid && $0.kind == "Service" } == true
            let meta = Meta(ports: Self.sortedPorts(s.ports), addressType: s.addressType ?? "")
            // Slices of an earlier service of the same name, or of a meta no longer wanted, go.
            if owned, desired[meta] != nil { existingByMeta[meta, default: []].append(s) } else { plan.delete.append(s) }
        }
        for meta in desired.keys.sorted(by: { $0.ports.count < $1.ports.count || ($0.ports.count == $1.ports.count && "\($0)" < "\($1)") }) {
            reconcile(meta: meta, desired: desired[meta]!, existing: existingByMeta[meta] ?? [], into: &plan)
        }
        // No endpoints at all: one empty placeholder slice, kept if it is already there.
        if plan.create.isEmpty, existing.count == plan.delete.count {
            let placeholder = newSlice(Meta(ports: [], addressType: desired.keys.first?.addressType ?? addressTypes.first ?? "IPv4"))
            if plan.delete.count == 1, isPlaceholder(plan.delete[0], like: placeholder) {
                plan.delete = []
            } else {
                plan.create.append(placeholder)
            }
        }
        // Rather than delete one slice and create another, reuse the first for the second.
        var i = 0
        while i < plan.delete.count, !plan.create.isEmpty {
            let old = plan.delete[i]
            let owned = old.metadata.ownerReferences?.contains { $0.uid == service.metadata.uid } == true
            if owned, old.addressType == plan.create.last!.addressType {
                var reused = plan.create.removeLast()
                reused.metadata = old.metadata
                reused.metadata.labels = labels(of: old)
                reused.metadata.annotations = annotations(of: old)
                plan.update.append(reused)
                plan.delete.remove(at: i)
            } else {
                i += 1
            }
        }
        return plan
    }

    private func reconcile(meta: Meta, desired: [DiscoveryV1.Endpoint], existing: [DiscoveryV1.EndpointSlice], into plan: inout Plan) {
        var remaining: [String: DiscoveryV1.Endpoint] = [:]
        var order: [String] = []
        for e in desired {
            let k = Self.key(e)
            if remaining.updateValue(e, forKey: k) == nil { order.append(k) }
        }
        var toUpdate: [DiscoveryV1.EndpointSlice] = []
        var unchanged: [DiscoveryV1.EndpointSlice] = []
        for slice in existing {
            var kept: [DiscoveryV1.Endpoint] = []
            var changed = false
            for e in slice.endpoints ?? [] {
                let k = Self.key(e)
                if let want = remaining.removeValue(forKey: k) {
                    kept.append(want)
                    if want != e { changed = true }
                } else {
                    changed = true
                }
            }
            let labelsChanged = slice.metadata.labels != labels(of: slice)
            if !changed && !labelsChanged {
                unchanged.append(slice)
            } else if kept.isEmpty {
                plan.delete.append(slice)
            } else {
                var s = slice
                s.endpoints = kept
                s.metadata.labels = labels(of: slice)
                s.metadata.annotations = annotations(of: slice)
                toUpdate.append(s)
            }
        }
        var pending = order.filter { remaining[$0] != nil }.map { remaining[$0]! }
        // First into slices that are written anyway, fullest first.
        toUpdate.sort { ($0.endpoints?.count ?? 0) > ($1.endpoints?.count ?? 0) }
        for i in toUpdate.indices where !pending.isEmpty {
            let room = maxEndpointsPerSlice - (toUpdate[i].endpoints?.count ?? 0)
            if room <= 0 { continue }
            toUpdate[i].endpoints = (toUpdate[i].endpoints ?? []) + pending.prefix(room)
            pending.removeFirst(min(room, pending.count))
        }
        while !pending.isEmpty {
            var slice: DiscoveryV1.EndpointSlice
            if pending.count < maxEndpointsPerSlice, let best = bestFit(unchanged, adding: pending.count) {
                slice = unchanged.remove(at: best)
                slice.metadata.annotations = annotations(of: slice)
            } else {
                slice = newSlice(meta)
            }
            let room = maxEndpointsPerSlice - (slice.endpoints?.count ?? 0)
            slice.endpoints = (slice.endpoints ?? []) + pending.prefix(room)
            pending.removeFirst(min(room, pending.count))
            if slice.metadata.name == nil { plan.create.append(slice) } else { toUpdate.append(slice) }
        }
        plan.update += toUpdate
    }

    /// The unchanged slice that ends up fullest with `count` more endpoints and still fits.
    private func bestFit(_ slices: [DiscoveryV1.EndpointSlice], adding count: Int) -> Int? {
        var best: Int?
        for (i, s) in slices.enumerated() {
            let n = (s.endpoints?.count ?? 0) + count
            if n <= maxEndpointsPerSlice, best == nil || n > (slices[best!].endpoints?.count ?? 0) + count { best = i }
        }
        return best
    }

    var addressTypes: [String] {
        let families = service.spec?.ipFamilies ?? []
        return families.isEmpty ? ["IPv4"] : families
    }

    func newSlice(_ meta: Meta) -> DiscoveryV1.EndpointSlice {
        var s = DiscoveryV1.EndpointSlice(metadata: MetaV1.ObjectMeta())
        s.metadata.generateName = "\(service.metadata.name ?? "")-"
        s.metadata.namespace = service.metadata.namespace
        s.metadata.ownerReferences = [OwnerRefs.controllerRef(to: service)]
        s.metadata.labels = labels(of: nil)
        s.metadata.annotations = annotations(of: nil)
        s.addressType = meta.addressType
        s.ports = meta.ports.isEmpty ? nil : meta.ports
        s.endpoints = nil
        return s
    }

    /// The service's labels (but the reserved ones), the service name, the manager, and the
    /// headless label while no cluster IP is set (other labels on a slice are replaced).
    func labels(of slice: DiscoveryV1.EndpointSlice?) -> [String: String] {
        var labels: [String: String] = [:]
        for (k, v) in service.metadata.labels ?? [:]
        where k != Self.serviceNameLabel && k != Self.managedByLabel && k != ServiceEndpoints.headless {
            labels[k] = v
        }
        labels[Self.serviceNameLabel] = service.metadata.name
        labels[Self.managedByLabel] = Self.controllerName
        return ServiceEndpoints.labels(service, base: labels)
    }

    func annotations(of slice: DiscoveryV1.EndpointSlice?) -> [String: String]? {
        var a = slice?.metadata.annotations ?? [:]
        a[ServiceEndpoints.lastChangeTriggerTime] = triggerTime
        return a.isEmpty ? nil : a
    }

    private func isPlaceholder(_ s: DiscoveryV1.EndpointSlice, like p: DiscoveryV1.EndpointSlice) -> Bool {
        (s.endpoints ?? []).isEmpty && (s.ports ?? []).isEmpty && s.addressType == p.addressType
            && s.metadata.labels == p.metadata.labels
            && s.metadata.ownerReferences?.contains { $0.uid == service.metadata.uid } == true
    }
}
